/**
 * Tessera's one seeded host-side pseudo-random number generator: xoshiro128** (Blackman & Vigna), whose
 * 128-bit state is filled from the seed by splitmix32. Host code (environments, replay buffers, data
 * shuffles, corpus generators, samplers) draws from an `Rng` it is given or builds from a seed, so a run is
 * reproducible bit for bit and nothing uses `Math.random`. Tensor randomness (`rand`, dropout) uses the
 * counter-based Philox stream of the context instead. This module imports nothing, so
 * `@tessera/core/rng` costs a tensor-free package nothing.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`Rng: seed must be a safe integer, got ${seed}`);
    }
    // splitmix32 spreads the seed's low and high words over four state words; xoshiro must not start at all
    // zeros, and splitmix32's outputs for consecutive counters are never all zero together.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    let counter = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      counter = (counter + 0x9e3779b9) >>> 0;
      let z = counter;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits: (a·2^21 + b) / 2^53 from a 32-bit and a 21-bit draw. */
  next(): number {
    const a = this.nextUint32();
    const b = this.nextUint32() >>> 11;
    return (a * 0x20_0000 + b) / 0x20_0000_0000_0000;
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
      throw new Error(`Rng.uniform: need finite low <= high, got low=${low}, high=${high}`);
    }
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n), without modulo bias: draws above the largest multiple of n are redrawn. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) {
      throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** A standard normal draw by the Box–Muller transform: √(−2 ln u₁) · cos(2π u₂). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.next(); // in (0, 1], so the logarithm is finite
    const u2 = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * An index i in [0, n) drawn with probability probs[offset + i]. The weights are expected to sum to 1;
   * rounding that leaves the draw past the last weight falls back to the last index with positive weight.
   */
  categorical(probs: ArrayLike<number>, offset = 0, n = probs.length - offset): number {
    const u = this.next();
    let acc = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const p = probs[offset + i];
      if (p > 0) last = i;
      acc += p;
      if (u < acc) return i;
    }
    if (last < 0)
      throw new Error(`Rng.categorical: no positive weight among ${n} entries at offset ${offset}`);
    return last;
  }

  /** A new generator seeded from this one: independent streams for parts of a run (workers, seeds). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 0x20_0000 + (this.nextUint32() >>> 11));
  }

  /** Shuffles `items` in place by Fisher–Yates and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A uniformly random permutation of 0…n−1. */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`Rng.permutation: n must be a non-negative integer, got ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
