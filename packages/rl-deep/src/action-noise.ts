import type { Rng } from '@tessera/core/rng';

/** Exploration noise added to a deterministic policy's actions; `reset` is called at each episode start. */
export interface ActionNoise {
  readonly dim: number;
  /** The next noise vector (a fresh array). */
  sample(): Float64Array;
  reset(): void;
}

function vector(name: string, v: number | ArrayLike<number>, dim: number): Float64Array {
  const out = typeof v === 'number' ? new Float64Array(dim).fill(v) : Float64Array.from(v);
  if (out.length !== dim) throw new Error(`${name}: expected ${dim} entries, got ${out.length}`);
  if (!out.every(Number.isFinite))
    throw new Error(`${name}: entries must be finite, got [${out.join(', ')}]`);
  return out;
}

export interface GaussianNoiseOptions {
  dim: number;
  /** Per-dimension standard deviation (or one for all). */
  sigma: number | ArrayLike<number>;
  mean?: number | ArrayLike<number>;
  rng: Rng;
}

/** Independent N(mean, σ²) noise at every step (TD3's exploration noise). */
export class GaussianNoise implements ActionNoise {
  readonly dim: number;
  readonly mean: Float64Array;
  readonly sigma: Float64Array;
  private readonly rng: Rng;

  constructor(options: GaussianNoiseOptions) {
    const { dim, rng } = options;
    if (!(Number.isInteger(dim) && dim >= 1))
      throw new Error(`GaussianNoise: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.mean = vector('GaussianNoise: mean', options.mean ?? 0, dim);
    this.sigma = vector('GaussianNoise: sigma', options.sigma, dim);
    if (this.sigma.some((s) => s < 0))
      throw new Error(`GaussianNoise: sigma must be ≥ 0, got [${this.sigma.join(', ')}]`);
    this.rng = rng;
  }

  sample(): Float64Array {
    const out = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) out[i] = this.rng.normal(this.mean[i], this.sigma[i]);
    return out;
  }

  reset(): void {}
}

export interface OrnsteinUhlenbeckNoiseOptions extends GaussianNoiseOptions {
  /** Mean-reversion rate θ; default 0.15. */
  theta?: number;
  /** Time step of the discretization; default 0.01. */
  dt?: number;
  /** Where the process starts after `reset`; default 0. */
  initial?: number | ArrayLike<number>;
}

/**
 * Temporally correlated noise (DDPG's original choice), the Ornstein–Uhlenbeck process
 * dx = θ(μ − x)dt + σ dW by Euler–Maruyama: x ← x + θ(μ − x)·dt + σ·√dt·ε with ε ~ N(0, 1).
 * Its stationary standard deviation is σ/√(2θ) (for the discrete recursion σ/√(2θ − θ²dt)).
 */
export class OrnsteinUhlenbeckNoise implements ActionNoise {
  readonly dim: number;
  readonly mean: Float64Array;
  readonly sigma: Float64Array;
  readonly theta: number;
  readonly dt: number;
  private readonly initial: Float64Array;
  private readonly state: Float64Array;
  private readonly rng: Rng;

  constructor(options: OrnsteinUhlenbeckNoiseOptions) {
    const { dim, rng, theta = 0.15, dt = 0.01 } = options;
    if (!(Number.isInteger(dim) && dim >= 1)) {
      throw new Error(`OrnsteinUhlenbeckNoise: dim must be a positive integer, got ${dim}`);
    }
    if (!(theta > 0 && dt > 0 && theta * dt < 2)) {
      throw new Error(`OrnsteinUhlenbeckNoise: need θ > 0, dt > 0 and θ·dt < 2, got θ=${theta}, dt=${dt}`);
    }
    this.dim = dim;
    this.mean = vector('OrnsteinUhlenbeckNoise: mean', options.mean ?? 0, dim);
    this.sigma = vector('OrnsteinUhlenbeckNoise: sigma', options.sigma, dim);
    if (this.sigma.some((s) => s < 0)) {
      throw new Error(`OrnsteinUhlenbeckNoise: sigma must be ≥ 0, got [${this.sigma.join(', ')}]`);
    }
    this.initial = vector('OrnsteinUhlenbeckNoise: initial', options.initial ?? 0, dim);
    this.theta = theta;
    this.dt = dt;
    this.rng = rng;
    this.state = Float64Array.from(this.initial);
  }

  sample(): Float64Array {
    const { theta, dt, mean, sigma, state } = this;
    const sqrtDt = Math.sqrt(dt);
    for (let i = 0; i < this.dim; i++) {
      state[i] += theta * (mean[i] - state[i]) * dt + sigma[i] * sqrtDt * this.rng.normal();
    }
    return Float64Array.from(state);
  }

  reset(): void {
    this.state.set(this.initial);
  }
}
