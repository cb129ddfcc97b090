import { isHalf, type Tensor, TesseraError, tidy } from '@tessera/core';

/**
 * Scales the gradients of `params` in place so that their total p-norm
 * ‖(‖g₁‖, ‖g₂‖, …)‖ₚ is at most maxNorm: each g ← g·min(1, maxNorm/(total + 10⁻⁶)), like
 * PyTorch. Parameters without a gradient are skipped. Returns the total norm before clipping
 * (read back synchronously: CPU tensors).
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  if (!(maxNorm >= 0)) throw new TesseraError('clipGradNorm', `maxNorm must be ≥ 0, got ${maxNorm}`);
  if (!(normType > 0))
    throw new TesseraError('clipGradNorm', `normType must be > 0 (or Infinity), got ${normType}`);
  const grads = [...params].map((p) => p.grad).filter((g): g is Tensor => g !== undefined);
  if (grads.length === 0) return 0;
  const ctx = grads[0].ctx;
  return tidy(() => {
    // Half-precision gradients are normed in f32 so the squares do not overflow.
    const norms = grads.map((g) => (isHalf(g.dtype) ? g.cast('f32') : g).norm(normType));
    let total: number;
    if (normType === Number.POSITIVE_INFINITY) total = Math.max(...norms.map((n) => n.itemSync()));
    else total = norms.map((n) => n.itemSync() ** normType).reduce((a, b) => a + b, 0) ** (1 / normType);
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) for (const g of grads) g.assign(g.mul(coef));
    return total;
  }, ctx);
}
