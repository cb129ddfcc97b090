import { fmtShape, type Tensor, TesseraError } from '@tessera/core';
import { type Reduction, reduce, sameShape } from './reduction.js';

export interface BinaryCrossEntropyOptions {
  reduction?: Reduction;
}

function check(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new TesseraError(
      op,
      `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
}

/**
 * ℓ = −(y·log p + (1 − y)·log(1 − p)) for probabilities p. Each log is clamped at −100 like
 * PyTorch, so p = 0 or 1 gives a finite loss.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  check('binaryCrossEntropy', input, target);
  const logP = input.log().clamp(-100);
  const log1mP = input.neg().log1p().clamp(-100);
  const loss = target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
  return reduce('binaryCrossEntropy', loss, options.reduction ?? 'mean');
}

/**
 * Binary cross-entropy of logits x, in the stable form
 * ℓ = max(x, 0) − x·y + log(1 + e^(−|x|)), which never exponentiates a large positive number.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  check('binaryCrossEntropyWithLogits', input, target);
  const loss = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().log1p());
  return reduce('binaryCrossEntropyWithLogits', loss, options.reduction ?? 'mean');
}
