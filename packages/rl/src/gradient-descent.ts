import { Rng } from '@tessera/core/rng';

export interface MeanEstimationOptions {
  /** The data set {x_i}, each a vector of the same dimension d. */
  samples: ReadonlyArray<ArrayLike<number>>;
  /** Initial estimate w₁ (length d). */
  w1: ArrayLike<number>;
  /** Number of updates K; trajectories have K + 1 entries. */
  iterations: number;
  /** α_k for k = 1, 2, …; e.g. 1/k. */
  stepSize: (k: number) => number;
  /** Seed for drawing samples; default 0. */
  seed?: number;
}

export interface MeanEstimationResult {
  /** [w₁, …, w_{K+1}]. */
  w: Float64Array[];
  /** ‖w_k − x̄‖₂ for each entry of `w`, where x̄ is the sample mean (the minimizer of J). */
  errors: Float64Array;
  /** x̄ = (1/n) Σ x_i. */
  mean: Float64Array;
}

/**
 * All three methods minimize J(w) = (1/n) Σ_i ½‖w − x_i‖², whose gradient is w − x̄, so the minimizer is the
 * sample mean x̄. They differ in how many samples estimate the gradient: one (SGD), a batch of m (MBGD), or
 * all n (BGD). `direction(k)` returns the averaged x over the samples used at step k.
 */
function descend(
  options: MeanEstimationOptions,
  caller: string,
  direction: (k: number, rng: Rng, mean: Float64Array) => ArrayLike<number>,
): MeanEstimationResult {
  const { samples, w1, iterations, stepSize, seed = 0 } = options;
  const d = w1.length;
  if (d < 1) throw new Error(`${caller}: w1 must have at least one entry`);
  if (samples.length < 1) throw new Error(`${caller}: need at least one sample`);
  samples.forEach((x, i) => {
    if (x.length !== d) throw new Error(`${caller}: sample ${i} has dimension ${x.length}, w1 has ${d}`);
  });
  if (!(Number.isInteger(iterations) && iterations >= 0)) {
    throw new Error(`${caller}: iterations must be a non-negative integer, got ${iterations}`);
  }
  const mean = new Float64Array(d);
  for (const x of samples) for (let j = 0; j < d; j++) mean[j] += x[j] / samples.length;
  const rng = new Rng(seed);
  const w: Float64Array[] = [Float64Array.from(w1)];
  for (let k = 1; k <= iterations; k++) {
    const alpha = stepSize(k);
    if (!(alpha > 0 && Number.isFinite(alpha)))
      throw new Error(`${caller}: stepSize(${k}) = ${alpha}, must be positive`);
    const x = direction(k, rng, mean);
    const prev = w[k - 1];
    const next = new Float64Array(d);
    // w_{k+1} = w_k − α_k ∇̂J(w_k) with ∇̂J(w_k) = w_k − x̂_k.
    for (let j = 0; j < d; j++) next[j] = prev[j] - alpha * (prev[j] - x[j]);
    w.push(next);
  }
  const errors = Float64Array.from(w, (wk) => {
    let sq = 0;
    for (let j = 0; j < d; j++) sq += (wk[j] - mean[j]) ** 2;
    return Math.sqrt(sq);
  });
  return { w, errors, mean };
}

export interface SgdOptions extends MeanEstimationOptions {
  /** Draw x_k uniformly with replacement (default), or take the samples in order, cycling. */
  sampling?: 'random' | 'cyclic';
}

/** Stochastic gradient descent: w_{k+1} = w_k − α_k (w_k − x_k) with one sample x_k per step. */
export function sgdMean(options: SgdOptions): MeanEstimationResult {
  const { samples, sampling = 'random' } = options;
  if (sampling !== 'random' && sampling !== 'cyclic') {
    throw new Error(`sgdMean: sampling must be 'random' or 'cyclic', got ${sampling}`);
  }
  return descend(options, 'sgdMean', (k, rng) =>
    sampling === 'cyclic' ? samples[(k - 1) % samples.length] : samples[rng.int(samples.length)],
  );
}

/** Batch gradient descent: w_{k+1} = w_k − α_k (w_k − x̄), using every sample at every step. */
export function batchGdMean(options: MeanEstimationOptions): MeanEstimationResult {
  return descend(options, 'batchGdMean', (_k, _rng, mean) => mean);
}

export interface MiniBatchOptions extends MeanEstimationOptions {
  /** m, the number of samples per step, drawn uniformly with replacement. */
  batchSize: number;
}

/** Mini-batch gradient descent: w_{k+1} = w_k − α_k (w_k − (1/m) Σ_{j∈I_k} x_j) with |I_k| = m. */
export function miniBatchGdMean(options: MiniBatchOptions): MeanEstimationResult {
  const { samples, batchSize } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new Error(`miniBatchGdMean: batchSize must be a positive integer, got ${batchSize}`);
  }
  const d = options.w1.length;
  return descend(options, 'miniBatchGdMean', (_k, rng) => {
    const avg = new Float64Array(d);
    for (let i = 0; i < batchSize; i++) {
      const x = samples[rng.int(samples.length)];
      for (let j = 0; j < d; j++) avg[j] += x[j] / batchSize;
    }
    return avg;
  });
}
