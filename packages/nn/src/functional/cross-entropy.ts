import {
  fmtShape,
  isFloat,
  logSoftmax,
  type Tensor,
  TesseraError,
  takeAlongAxis,
  where,
} from '@tessera/core';
import { type Reduction, reduce, sameShape } from './reduction.js';

export interface NllLossOptions {
  /** Targets equal to this take no part in the loss nor in the mean's count (default −100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** ε: the target becomes (1 − ε)·target + ε/C (Szegedy et al.). Default 0. */
  labelSmoothing?: number;
}

function checkIndexTarget(op: string, input: Tensor, target: Tensor): void {
  if (input.rank < 1)
    throw new TesseraError(op, `input must have a class axis, got shape ${fmtShape(input.shape)}`);
  if (!sameShape(target.shape, input.shape.slice(0, -1))) {
    throw new TesseraError(
      op,
      `class-index target must have the input's shape without its last (class) axis: input ${fmtShape(input.shape)} expects target ${fmtShape(input.shape.slice(0, -1))}, got ${fmtShape(target.shape)}`,
    );
  }
}

/**
 * ℓᵢ = −(1 − ε)·logpᵢ[yᵢ] − (ε/C)·Σ_c logpᵢ[c] over the rows whose yᵢ ≠ ignoreIndex;
 * 'mean' divides by the number of such rows (PyTorch's convention).
 */
function indexLoss(op: string, logp: Tensor, target: Tensor, smoothing: number, o: NllLossOptions): Tensor {
  const ignore = o.ignoreIndex ?? -100;
  const keepMask = target.ne(ignore);
  const safe = where(keepMask, target, 0);
  const picked = takeAlongAxis(logp, safe.unsqueeze(-1), -1).squeeze(-1);
  let perRow = picked.neg();
  if (smoothing > 0) {
    const classes = logp.shape[logp.rank - 1];
    perRow = perRow.mul(1 - smoothing).sub(logp.sum(-1).mul(smoothing / classes));
  }
  const mask = keepMask.cast(logp.dtype);
  const masked = perRow.mul(mask);
  const reduction = o.reduction ?? 'mean';
  if (reduction === 'mean') return masked.sum().div(mask.sum());
  return reduce(op, masked, reduction);
}

/**
 * Negative log-likelihood of class indices under log-probabilities `input` ([…, C], classes
 * on the last axis; `target` i32 of shape […]): ℓᵢ = −input[i, yᵢ].
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  if (target.dtype !== 'i32') {
    throw new TesseraError(
      'nllLoss',
      `target must hold i32 class indices, got ${target.dtype} ${fmtShape(target.shape)}`,
    );
  }
  checkIndexTarget('nllLoss', input, target);
  return indexLoss('nllLoss', input, target, 0, options);
}

/**
 * Cross-entropy of logits `input` ([…, C], classes on the last axis: for [N, C] this is
 * PyTorch's layout; for sequences it is [B, T, V] against [B, T] without a transpose).
 * `target` is either i32 class indices of shape […] or probabilities of the input's shape:
 * ℓᵢ = −Σ_c q_c·log softmax(xᵢ)_c with q the (smoothed) target distribution.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) {
    throw new TesseraError('crossEntropy', `labelSmoothing must be in [0, 1], got ${smoothing}`);
  }
  if (!isFloat(input.dtype)) {
    throw new TesseraError(
      'crossEntropy',
      `input must hold floating logits, got ${input.dtype} ${fmtShape(input.shape)}`,
    );
  }
  if (target.dtype === 'i32') {
    checkIndexTarget('crossEntropy', input, target);
    return indexLoss('crossEntropy', logSoftmax(input, -1), target, smoothing, options);
  }
  if (!isFloat(target.dtype) || !sameShape(target.shape, input.shape)) {
    throw new TesseraError(
      'crossEntropy',
      `target must be i32 class indices of shape ${fmtShape(input.shape.slice(0, -1))} or probabilities of shape ${fmtShape(input.shape)}, got ${target.dtype} ${fmtShape(target.shape)}`,
    );
  }
  const classes = input.shape[input.rank - 1];
  const q = smoothing > 0 ? target.mul(1 - smoothing).add(smoothing / classes) : target;
  const perRow = q.mul(logSoftmax(input, -1)).sum(-1).neg();
  return reduce('crossEntropy', perRow, options.reduction ?? 'mean');
}
