import { type Context, type DType, type Tensor, TesseraError, tensor, tidy } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';

/**
 * Σᵢ log p(xᵢ) in nats for independent Bernoullis with logits l: log σ(l) = l − softplus(l) for a 1 and
 * log σ(−l) = −softplus(l) for a 0, so each term is x·l − softplus(l) (stable for any l). [B, n] → [B].
 */
export function bernoulliLogProb(logits: Tensor, x: Tensor): Tensor {
  return x.mul(logits).sub(logits.softplus()).sum(-1);
}

/** Checks that x is [B, n] for a model of n variables, naming the model. */
export function checkBinaryInput(model: string, x: Tensor, n: number): void {
  if (x.rank !== 2 || x.shape[1] !== n)
    throw new TesseraError(model, `input must be [batch, ${n}], got [${x.shape.join(', ')}]`);
}

/** Checks a sample count, naming the model. */
export function checkSampleCount(model: string, count: number): void {
  if (!(Number.isInteger(count) && count >= 1))
    throw new TesseraError(model, `sample count must be a positive integer, got ${count}`);
}

/** σ(l) without overflow for large |l|. */
export function sigmoid(l: number): number {
  return l >= 0 ? 1 / (1 + Math.exp(-l)) : Math.exp(l) / (1 + Math.exp(l));
}

export interface AncestralOptions {
  n: number;
  count: number;
  /** ordering[t]: the variable drawn at step t. */
  ordering: readonly number[];
  /** [count, n] inputs → [count, n] logits of p(x_v = 1 | the variables before v in the ordering). */
  logits: (x: Tensor) => Tensor;
  rng: Rng;
  context: Context;
  dtype: DType;
  device: string;
}

/**
 * Ancestral sampling through a network that gives every conditional at once (MADE): n passes, the t-th
 * reading only variable ordering[t]'s logit, which depends only on the variables already drawn.
 * Uniforms come from `rng` in (step, sample) order. Returns the [count, n] samples row-major.
 */
export function sampleByPasses(o: AncestralOptions): Float32Array {
  const x = new Float32Array(o.count * o.n);
  for (const v of o.ordering) {
    const column = tidy(() => {
      const input = tensor(x, [o.count, o.n], { context: o.context }).to(o.device).cast(o.dtype);
      return o.logits(input).narrow(1, v, 1).cast('f32').to('cpu');
    }, o.context);
    const l = column.dataSync();
    for (let s = 0; s < o.count; s++) x[s * o.n + v] = o.rng.next() < sigmoid(l[s]) ? 1 : 0;
    column.dispose();
  }
  return x;
}

/** A tensor's values as a new Float64Array on the host (for the samplers' loops). */
export function hostValues(t: Tensor): Float64Array {
  const host = t.device === 'cpu' ? t : t.to('cpu');
  const values = Float64Array.from(host.dataSync());
  if (host !== t) host.dispose();
  return values;
}
