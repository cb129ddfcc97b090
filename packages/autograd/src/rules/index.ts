import type { GradRule } from '../rule.js';
import { ELEMENTWISE_RULES } from './elementwise.js';
import { INDEXING_RULES } from './indexing.js';
import { LINALG_RULES } from './linalg.js';
import { REDUCE_RULES } from './reduce.js';
import { VIEW_RULES } from './views.js';

/** The gradient rule of every differentiable core op, keyed by op name. */
export const GRAD_RULES: Readonly<Record<string, GradRule>> = Object.freeze({
  ...ELEMENTWISE_RULES,
  ...VIEW_RULES,
  ...INDEXING_RULES,
  ...REDUCE_RULES,
  ...LINALG_RULES,
});
