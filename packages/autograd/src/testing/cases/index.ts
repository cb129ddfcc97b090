import type { GradCase } from '../types.js';
import { ELEMENTWISE_CASES } from './elementwise.js';
import { INDEXING_CASES } from './indexing.js';
import { LINALG_CASES } from './linalg.js';
import { REDUCE_CASES } from './reduce.js';
import { VIEW_CASES } from './views.js';

/** Every gradient check of the suite, for every differentiable core op. */
export const GRAD_CASES: readonly GradCase[] = [
  ...ELEMENTWISE_CASES,
  ...VIEW_CASES,
  ...INDEXING_CASES,
  ...REDUCE_CASES,
  ...LINALG_CASES,
];
