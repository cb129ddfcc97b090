import {
  fmtShape,
  indexSelect,
  isFloat,
  logSoftmax,
  type Tensor,
  TesseraError,
  takeAlongAxis,
  where,
} from '@tessera/core';
import { checkOptionKeys } from './options.js';
import { type Reduction, reduce, sameShape } from './reduction.js';

export interface NllLossOptions {
  /**
   * A rescaling weight w_c per class (a float tensor of shape [C]): each row's loss is scaled by
   * the weight of its target class, and 'mean' divides by Σ w_yᵢ over the rows not ignored
   * (PyTorch's class-weighted mean), not by the row count.
   */
  weight?: Tensor;
  /** Targets equal to this take no part in the loss nor in the mean's count (default −100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

const NLL_OPTIONS = ['weight', 'ignoreIndex', 'reduction'] as const;
const CROSS_ENTROPY_OPTIONS = [...NLL_OPTIONS, 'labelSmoothing'] as const;

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

function checkWeight(op: string, input: Tensor, weight: Tensor | undefined): void {
  if (weight === undefined) return;
  const classes = input.shape[input.rank - 1];
  if (!isFloat(weight.dtype) || weight.rank !== 1 || weight.shape[0] !== classes) {
    throw new TesseraError(
      op,
      `weight must be a float tensor of shape [${classes}] (one per class of input ${fmtShape(input.shape)}), got ${weight.dtype} ${fmtShape(weight.shape)}`,
    );
  }
}

/**
 * With class weights w (all ones without): over the rows whose yᵢ ≠ ignoreIndex,
 * ℓᵢ = −(1 − ε)·w_yᵢ·logpᵢ[yᵢ] − (ε/C)·Σ_c w_c·logpᵢ[c], and 'mean' divides Σ ℓᵢ by
 * Σ w_yᵢ (the number of such rows when unweighted), as PyTorch's cross_entropy does.
 */
function indexLoss(op: string, logp: Tensor, target: Tensor, smoothing: number, o: NllLossOptions): Tensor {
  const ignore = o.ignoreIndex ?? -100;
  const keepMask = target.ne(ignore);
  const safe = where(keepMask, target, 0);
  const mask = keepMask.cast(logp.dtype);
  const w = o.weight;
  // w_yᵢ, zero on ignored rows: the per-row scale and the mean's denominator.
  const rowWeight = w ? indexSelect(w, 0, safe.flatten()).reshape(safe.shape).mul(mask) : mask;
  const picked = takeAlongAxis(logp, safe.unsqueeze(-1), -1).squeeze(-1);
  let perRow = picked.neg().mul(rowWeight);
  if (smoothing > 0) {
    const classes = logp.shape[logp.rank - 1];
    const spread = (w ? logp.mul(w) : logp).sum(-1).mul(mask);
    perRow = perRow.mul(1 - smoothing).sub(spread.mul(smoothing / classes));
  }
  const reduction = o.reduction ?? 'mean';
  if (reduction === 'mean') return perRow.sum().div(rowWeight.sum());
  return reduce(op, perRow, reduction);
}

/**
 * Negative log-likelihood of class indices under log-probabilities `input` ([…, C], classes
 * on the last axis; `target` i32 of shape […]): ℓᵢ = −input[i, yᵢ].
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  checkOptionKeys('nllLoss', options, NLL_OPTIONS);
  if (target.dtype !== 'i32') {
    throw new TesseraError(
      'nllLoss',
      `target must hold i32 class indices, got ${target.dtype} ${fmtShape(target.shape)}`,
    );
  }
  checkIndexTarget('nllLoss', input, target);
  checkWeight('nllLoss', input, options.weight);
  return indexLoss('nllLoss', input, target, 0, options);
}

/**
 * Cross-entropy of logits `input` ([…, C], classes on the last axis: for [N, C] this is
 * PyTorch's layout; for sequences it is [B, T, V] against [B, T] without a transpose).
 * `target` is either i32 class indices of shape […] or probabilities of the input's shape:
 * ℓᵢ = −Σ_c q_c·log softmax(xᵢ)_c with q the (smoothed) target distribution. Class weights
 * (`weight`) scale the terms as in PyTorch: for probability targets ℓᵢ = −Σ_c w_c·q_c·logp_c and
 * 'mean' stays the mean over rows; for index targets see NllLossOptions.weight.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptionKeys('crossEntropy', options, CROSS_ENTROPY_OPTIONS);
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
  checkWeight('crossEntropy', input, options.weight);
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
  const weighted = options.weight ? q.mul(options.weight) : q;
  const perRow = weighted.mul(logSoftmax(input, -1)).sum(-1).neg();
  return reduce('crossEntropy', perRow, options.reduction ?? 'mean');
}
