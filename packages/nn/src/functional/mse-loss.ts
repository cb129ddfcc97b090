import type { Tensor } from '@tessera/core';
import { fmtShape, TesseraError } from '@tessera/core';
import { type Reduction, reduce, sameShape } from './reduction.js';

/** Mean squared error: ℓᵢ = (xᵢ − yᵢ)². */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    throw new TesseraError(
      'mseLoss',
      `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
  return reduce('mseLoss', input.sub(target).square(), options.reduction ?? 'mean');
}
