import { fmtShape, type Tensor, TesseraError } from '@tessera/core';

/**
 * The z-loss of ST-MoE and Chameleon, coef · mean(logsumexp(logits, −1)²) over every position of
 * logits [..., vocab]: it pulls the softmax normalizer log Z towards 0, which keeps the output
 * logits from drifting and the softmax stable in low precision. Its gradient with respect to a
 * row's logits is 2·coef·LSE·softmax / N for N rows.
 */
export function zLoss(logits: Tensor, coef: number): Tensor {
  if (logits.rank < 1 || logits.shape[logits.rank - 1] < 1) {
    throw new TesseraError(
      'zLoss',
      `logits must be [..., vocab] with vocab ≥ 1, got ${fmtShape(logits.shape)}`,
    );
  }
  if (!Number.isFinite(coef)) throw new TesseraError('zLoss', `coef must be a finite number, got ${coef}`);
  return logits.logsumexp(-1).square().mean().mul(coef);
}
