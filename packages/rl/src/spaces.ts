import type { Rng } from '@tessera/core/rng';

/** A set of valid actions or observations, as in Gymnasium: it can draw a member and test membership. */
export interface Space<T> {
  sample(rng: Rng): T;
  contains(x: unknown): x is T;
}

/** The integers {start, start + 1, …, start + n − 1}. */
export class Discrete implements Space<number> {
  readonly n: number;
  readonly start: number;

  constructor(n: number, start = 0) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Discrete: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(start)) throw new Error(`Discrete: start must be an integer, got ${start}`);
    this.n = n;
    this.start = start;
  }

  sample(rng: Rng): number {
    return this.start + rng.int(this.n);
  }

  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }
}

/** The box [low₁, high₁] × … × [low_d, high_d] of real vectors, stored flat in a Float64Array. */
export class Box implements Space<Float64Array> {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly shape: readonly number[];

  constructor(low: ArrayLike<number>, high: ArrayLike<number>, shape: readonly number[] = [low.length]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`Box: shape must be positive integers, got [${shape.join(', ')}]`);
    }
    if (low.length !== size || high.length !== size) {
      throw new Error(`Box: low (${low.length}) and high (${high.length}) must both have ${size} entries`);
    }
    for (let i = 0; i < size; i++) {
      if (!(low[i] <= high[i]))
        throw new Error(`Box: need low[${i}] <= high[${i}], got ${low[i]} > ${high[i]}`);
    }
    this.low = Float64Array.from(low);
    this.high = Float64Array.from(high);
    this.shape = [...shape];
  }

  /** Uniform inside bounded coordinates; an infinite side falls back to a unit normal (one-sided: shifted exponential). */
  sample(rng: Rng): Float64Array {
    const out = new Float64Array(this.low.length);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i];
      const hi = this.high[i];
      if (Number.isFinite(lo) && Number.isFinite(hi)) out[i] = rng.uniform(lo, hi);
      else if (Number.isFinite(lo)) out[i] = lo - Math.log(1 - rng.next());
      else if (Number.isFinite(hi)) out[i] = hi + Math.log(1 - rng.next());
      else out[i] = rng.normal();
    }
    return out;
  }

  contains(x: unknown): x is Float64Array {
    if (!(x instanceof Float64Array) || x.length !== this.low.length) return false;
    for (let i = 0; i < x.length; i++) {
      if (!(x[i] >= this.low[i] && x[i] <= this.high[i])) return false;
    }
    return true;
  }
}
