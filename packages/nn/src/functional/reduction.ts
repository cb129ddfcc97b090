import { type Tensor, TesseraError } from '@tessera/core';

export type Reduction = 'mean' | 'sum' | 'none';

/** Applies a loss's reduction to its per-element values. */
export function reduce(op: string, values: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'mean':
      return values.mean();
    case 'sum':
      return values.sum();
    case 'none':
      return values;
    default:
      throw new TesseraError(op, `reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
