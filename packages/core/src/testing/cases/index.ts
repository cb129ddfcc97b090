import type { CaseGroup } from '../types.js';
import { elementwiseGroup } from './elementwise.js';
import { indexingGroup } from './indexing.js';
import { viewsGroup } from './views.js';

/** Every case group of the core conformance suite. */
export const ALL_GROUPS: readonly CaseGroup[] = [elementwiseGroup, viewsGroup, indexingGroup];
