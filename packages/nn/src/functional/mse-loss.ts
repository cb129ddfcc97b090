import type { Tensor } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import { fmt, type Reduction, reduce, sameShape } from './reduction.js';

/** Mean squared error: ℓᵢ = (xᵢ − yᵢ)². */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    throw new TesseraError(
      'mseLoss',
      `input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
  }
  return reduce('mseLoss', input.sub(target).square(), options.reduction ?? 'mean');
}
