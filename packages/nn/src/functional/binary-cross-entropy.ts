import { broadcastShapes, fmtShape, type Tensor, TesseraError } from '@tessera/core';
import { checkOptionKeys } from './options.js';
import { type Reduction, reduce, sameShape } from './reduction.js';

export interface BinaryCrossEntropyOptions {
  /** A rescaling weight per element, broadcast to the input's shape ('mean' stays the plain mean). */
  weight?: Tensor;
  reduction?: Reduction;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /**
   * p_c, the weight of the positive term per class (broadcast along the last axis, e.g. shape
   * [C]): ℓ = −(p_c·y·log σ(x) + (1 − y)·log(1 − σ(x))). negatives/positives balances a class.
   */
  posWeight?: Tensor;
}

function check(op: string, input: Tensor, target: Tensor, weights: Record<string, Tensor | undefined>): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new TesseraError(
      op,
      `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
  for (const [name, w] of Object.entries(weights)) {
    if (w === undefined) continue;
    let ok = w.rank <= input.rank;
    try {
      ok &&= sameShape(broadcastShapes(op, w.shape, input.shape), input.shape);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new TesseraError(
        op,
        `${name} of shape ${fmtShape(w.shape)} does not broadcast to the input's shape ${fmtShape(input.shape)}`,
      );
    }
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
  checkOptionKeys('binaryCrossEntropy', options, ['weight', 'reduction']);
  check('binaryCrossEntropy', input, target, { weight: options.weight });
  const logP = input.log().clamp(-100);
  const log1mP = input.neg().log1p().clamp(-100);
  const loss = target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
  const weighted = options.weight ? loss.mul(options.weight) : loss;
  return reduce('binaryCrossEntropy', weighted, options.reduction ?? 'mean');
}

/**
 * Binary cross-entropy of logits x, in a stable form that never exponentiates a large positive
 * number. With −log σ(x) = softplus(−x) = max(−x, 0) + log(1 + e^(−|x|)) and
 * −log(1 − σ(x)) = x + softplus(−x), the posWeight loss is
 * ℓ = (1 − y)·x + (p·y + 1 − y)·softplus(−x)  (p = 1: max(x, 0) − x·y + log(1 + e^(−|x|))).
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptionKeys(op, options, ['weight', 'posWeight', 'reduction']);
  const { weight, posWeight } = options;
  check(op, input, target, { weight, posWeight });
  let loss: Tensor;
  if (posWeight) {
    const softplusNeg = input.neg().relu().add(input.abs().neg().exp().log1p());
    const scale = target.mul(posWeight.sub(1)).add(1);
    loss = target.neg().add(1).mul(input).add(scale.mul(softplusNeg));
  } else {
    loss = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().log1p());
  }
  if (weight) loss = loss.mul(weight);
  return reduce(op, loss, options.reduction ?? 'mean');
}
