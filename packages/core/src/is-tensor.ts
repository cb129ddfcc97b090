import type { Tensor } from './tensor.js';

/**
 * Marks Tensor instances, so that the modules below tensor.ts (the dispatcher, the ops, tidy) can
 * recognize a tensor without importing the class: tensor.ts imports the ops for its methods, and
 * an import back from the ops would close a cycle.
 */
export const TENSOR: unique symbol = Symbol('tessera.Tensor');

export function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && TENSOR in value;
}
