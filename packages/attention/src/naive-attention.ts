import { matmul, softmax, type Tensor, tensor, tidy, where } from '@tessera/core';
import { DropoutMask } from './dropout-mask.js';
import { type FlashAttrs, keyRanges } from './flash-attrs.js';

/** Stand-in for −∞ that keeps softmax and its gradient finite on rows that see no key. */
const masked = (dtype: string): number => (dtype === 'f16' ? -65504 : -1e30);

/**
 * Attention that materializes the [b, h, sq, sk] scores, composed of core ops so autograd
 * differentiates it: softmax(Q Kᵀ·scale + mask) V. The baseline the flash kernels are measured
 * against; it repeats K/V per query head for grouped-query attention.
 */
export function naiveAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | undefined,
  attrs: FlashAttrs,
): [Tensor, Tensor] {
  return tidy(() => {
    const [b, h, sq] = q.shape;
    const [, hk, sk] = k.shape;
    const group = h / hk;
    const perHead = (t: Tensor): Tensor =>
      group === 1 ? t : t.unsqueeze(2).expand([b, hk, group, sk, t.shape[3]]).reshape([b, h, sk, t.shape[3]]);
    const neg = masked(q.dtype);
    let s = matmul(q, perHead(k).transpose(-2, -1)).mul(attrs.scale);
    if (mask && mask.dtype === 'bool') s = where(mask, s, neg);
    else if (mask) s = s.add(mask).maximum(neg);
    if (attrs.causal || attrs.cuSeqlens) {
      const { lo, hi } = keyRanges(sq, sk, attrs);
      const keep = new Uint8Array(sq * sk);
      for (let i = 0; i < sq; i++) keep.fill(1, i * sk + lo[i], i * sk + Math.max(lo[i], hi[i]));
      s = where(tensor(keep, [sq, sk], { dtype: 'bool', context: q.ctx, device: q.device }), s, neg);
    }
    // A row whose every score is masked has no distribution: its output and gradients are 0.
    const valid = s.max(-1, true).gt(neg / 2);
    let p = where(valid, softmax(s, -1), 0);
    const lse = where(valid.squeeze(-1), s.logsumexp(-1), Number.NEGATIVE_INFINITY);
    if (attrs.dropout > 0) {
      const drop = new DropoutMask(attrs.dropoutKey, attrs.dropoutBase, attrs.dropout);
      const factors = new Float64Array(b * h * sq * sk);
      for (let e = 0; e < factors.length; e++) factors[e] = drop.factor(e);
      p = p.mul(tensor(factors, [b, h, sq, sk], { dtype: q.dtype, context: q.ctx, device: q.device }));
    }
    return [matmul(p, perHead(v)), lse] as [Tensor, Tensor];
  }, q.ctx);
}
