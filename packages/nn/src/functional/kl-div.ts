import { fmtShape, type Tensor, TesseraError, where } from '@tessera/core';
import { reduce, sameShape } from './reduction.js';

export interface KlDivOptions {
  /** 'batchmean' divides the sum by the first dimension: the true KL per sample. Default 'mean'. */
  reduction?: 'mean' | 'sum' | 'none' | 'batchmean';
  /** The target is given as log-probabilities. Default false. */
  logTarget?: boolean;
}

/**
 * PyTorch's kl_div: `input` holds log-probabilities log q, `target` probabilities p (or log p
 * with logTarget). Pointwise ℓ = p·(log p − log q), taken as 0 where p = 0.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    throw new TesseraError(
      'klDiv',
      `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
  const pointwise = options.logTarget
    ? target.exp().mul(target.sub(input))
    : where(target.gt(0), target.mul(target.log().sub(input)), 0);
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'batchmean') {
    if (input.rank === 0) throw new TesseraError('klDiv', "reduction 'batchmean' needs a batch dimension");
    return pointwise.sum().div(input.shape[0]);
  }
  return reduce('klDiv', pointwise, reduction);
}
