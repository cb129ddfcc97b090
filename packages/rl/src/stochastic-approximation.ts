import { Rng } from '@tessera/core/rng';

/**
 * The incremental mean: w_{k+1} = w_k − (1/k)(w_k − x_k), so that w_{k+1} = (x₁ + … + x_k)/k without storing
 * the samples. Returns the trajectory [w₂, …, w_{n+1}], i.e. the running mean after each sample.
 */
export function incrementalMean(samples: ArrayLike<number>): Float64Array {
  const out = new Float64Array(samples.length);
  let w = 0;
  for (let k = 1; k <= samples.length; k++) {
    const x = samples[k - 1];
    if (!Number.isFinite(x)) throw new Error(`incrementalMean: sample ${k - 1} is ${x}, not a finite number`);
    w -= (w - x) / k;
    out[k - 1] = w;
  }
  return out;
}

export interface RobbinsMonroOptions {
  /** The function whose root w* (g(w*) = 0) is sought; only noisy values of it are used. */
  g: (w: number) => number;
  /** Initial guess w₁. */
  w1: number;
  /** Number of updates K; the trajectory has K + 1 entries. */
  iterations: number;
  /** a_k for k = 1, 2, …; Robbins–Monro's conditions ask for Σ a_k = ∞ and Σ a_k² < ∞, e.g. a_k = 1/k. */
  stepSize: (k: number) => number;
  /** Observation noise η_k added to g(w_k); none by default. */
  noise?: (k: number, rng: Rng) => number;
  /** Seed of the generator handed to `noise`; default 0. */
  seed?: number;
}

export interface RobbinsMonroResult {
  /** [w₁, w₂, …, w_{K+1}]. */
  w: Float64Array;
  /** The noisy observations g̃(w_k, η_k) = g(w_k) + η_k, k = 1…K. */
  observations: Float64Array;
}

/** The Robbins–Monro algorithm: w_{k+1} = w_k − a_k g̃(w_k, η_k), which finds a root of g from noisy samples. */
export function robbinsMonro(options: RobbinsMonroOptions): RobbinsMonroResult {
  const { g, w1, iterations, stepSize, noise, seed = 0 } = options;
  if (!Number.isFinite(w1)) throw new Error(`robbinsMonro: w1 must be a finite number, got ${w1}`);
  if (!(Number.isInteger(iterations) && iterations >= 0)) {
    throw new Error(`robbinsMonro: iterations must be a non-negative integer, got ${iterations}`);
  }
  const rng = new Rng(seed);
  const w = new Float64Array(iterations + 1);
  const observations = new Float64Array(iterations);
  w[0] = w1;
  for (let k = 1; k <= iterations; k++) {
    const a = stepSize(k);
    if (!(a > 0 && Number.isFinite(a)))
      throw new Error(`robbinsMonro: stepSize(${k}) = ${a}, must be a positive number`);
    const observed = g(w[k - 1]) + (noise === undefined ? 0 : noise(k, rng));
    if (!Number.isFinite(observed)) throw new Error(`robbinsMonro: g̃(w_${k} = ${w[k - 1]}) = ${observed}`);
    observations[k - 1] = observed;
    w[k] = w[k - 1] - a * observed;
  }
  return { w, observations };
}
