import { type CoreOpTable, opTableMap } from '@tessera/core';
import type { GradRule } from '../rule.js';
import { ELEMENTWISE_RULES } from './elementwise.js';
import { INDEXING_RULES } from './indexing.js';
import { LINALG_RULES } from './linalg.js';
import { REDUCE_RULES } from './reduce.js';
import { VIEW_RULES } from './views.js';

/**
 * The gradient rule of every differentiable core op, keyed by op name (a key that names no core
 * op, or one that two files define, throws here).
 */
export const GRAD_RULES: CoreOpTable<GradRule> = Object.freeze(
  Object.fromEntries(
    opTableMap('GRAD_RULES', [ELEMENTWISE_RULES, VIEW_RULES, INDEXING_RULES, REDUCE_RULES, LINALG_RULES]),
  ),
);
