import type { CaseGroup } from '../types.js';
import { convGroup } from './conv.js';
import { elementwiseGroup } from './elementwise.js';
import { indexingGroup } from './indexing.js';
import { integerGroup } from './integers.js';
import { linalgGroup } from './linalg.js';
import { poolGroup } from './pool.js';
import { reduceGroup } from './reduce.js';
import { viewsGroup } from './views.js';

/** Every case group of the core conformance suite. */
export const ALL_GROUPS: readonly CaseGroup[] = [
  elementwiseGroup,
  viewsGroup,
  reduceGroup,
  linalgGroup,
  convGroup,
  poolGroup,
  indexingGroup,
  integerGroup,
];
