import { rand, type Tensor, TesseraError } from '@tessera/core';

/**
 * Inverted dropout: each element is zeroed with probability p and the survivors scaled by
 * 1/(1 − p), so the expectation is unchanged and evaluation needs no rescaling. The mask is
 * drawn from the tensor's context generator (seed it with `manualSeed`). Identity when not
 * training or p = 0.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new TesseraError('dropout', `p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const keepMask = rand(x.shape, { device: x.device, context: x.ctx }).ge(p);
  return x.mul(keepMask.cast(x.dtype)).div(1 - p);
}
