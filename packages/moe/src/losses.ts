import { noGrad } from '@tessera/autograd';
import { oneHot, type Tensor, TesseraError } from '@tessera/core';
import { zLoss } from '@tessera/nn';

export interface LoadBalancingOptions {
  /** The coefficient α. Default 1. */
  coef?: number;
  /**
   * 'batch' (Switch Transformer: f and P over all tokens) or 'sequence' (DeepSeek-V3's
   * sequence-wise loss: f and P per sequence, the losses averaged). Default 'batch'.
   */
  scope?: 'batch' | 'sequence';
  /** Tokens per sequence for scope 'sequence' (the tokens are [batch·seqLen] in order). */
  seqLen?: number;
}

/**
 * The Switch Transformer load-balancing loss α·E·Σᵢ fᵢ·Pᵢ, with fᵢ the fraction of token-slots
 * routed to expert i (k per token; not differentiable) and Pᵢ the mean router probability of
 * expert i. It is α when routing is perfectly uniform (fᵢ = Pᵢ = 1/E) and α·E when every token
 * goes to one expert with probability 1. probs [N, E], indices i32 [N, k].
 */
export function loadBalancingLoss(
  probs: Tensor,
  indices: Tensor,
  options: LoadBalancingOptions = {},
): Tensor {
  const [n, e] = probs.shape;
  const k = indices.shape[1];
  const coef = options.coef ?? 1;
  const scope = options.scope ?? 'batch';
  if (probs.rank !== 2 || indices.rank !== 2 || indices.shape[0] !== n || indices.dtype !== 'i32') {
    throw new TesseraError(
      'loadBalancingLoss',
      `probs must be [N, E] and indices i32 [N, k] with the same N, got [${probs.shape.join(', ')}] and ${indices.dtype} [${indices.shape.join(', ')}]`,
    );
  }
  const seqLen = scope === 'sequence' ? (options.seqLen ?? n) : n;
  if (scope !== 'batch' && scope !== 'sequence') {
    throw new TesseraError(
      'loadBalancingLoss',
      `scope must be 'batch' or 'sequence', got '${String(scope)}'`,
    );
  }
  if (!Number.isInteger(seqLen) || seqLen < 1 || n % seqLen !== 0) {
    throw new TesseraError('loadBalancingLoss', `seqLen ${seqLen} must divide the ${n} tokens`);
  }
  const groups = n / seqLen;
  // f [groups, E]: slots per expert over k·seqLen; P [groups, E]: mean probability.
  const f = noGrad(
    () => oneHot(indices, e, { dtype: probs.dtype }).sum(1).reshape([groups, seqLen, e]).mean(1).div(k),
    probs.ctx,
  );
  const p = probs.reshape([groups, seqLen, e]).mean(1);
  return f
    .mul(p)
    .sum(-1)
    .mean()
    .mul(coef * e);
}

/** ST-MoE's router z-loss over router logits [N, E]: @tessera/nn's `zLoss` (coef · mean of logsumexp²; default coef 1). */
export function routerZLoss(logits: Tensor, coef = 1): Tensor {
  if (logits.rank !== 2) {
    throw new TesseraError('routerZLoss', `logits must be [N, E], got [${logits.shape.join(', ')}]`);
  }
  return zLoss(logits, coef);
}
