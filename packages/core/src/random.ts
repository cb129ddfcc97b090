/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
 * counter-based generator. Element i of a draw is a pure function of (key, base counter + ⌊i/4⌋,
 * lane i mod 4), so every backend produces the same numbers for the same seed, in parallel.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32s, exact in doubles via 16-bit halves. */
function mulhi(a: number, b: number): number {
  const ah = a >>> 16;
  const al = a & 0xffff;
  const bh = b >>> 16;
  const bl = b & 0xffff;
  const mid = ah * bl + al * bh + ((al * bl) >>> 16);
  return (ah * bh + Math.floor(mid / 65536)) >>> 0;
}

/** One Philox4x32-10 block: four uint32 outputs written to out[0..3]. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** A snapshot of a context's random stream (PyTorch's `get_rng_state`). */
export interface RngState {
  readonly key: readonly [number, number];
  readonly counter: number;
}

/** The seeded stream a Context draws from: a key and a 64-bit block counter. */
export class Philox {
  private k0 = 0;
  private k1 = 0;
  private counter = 0;

  constructor(seed = 0x7e55e7a) {
    this.seed(seed);
  }

  seed(seed: number): void {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`manualSeed: seed must be a non-negative safe integer, got ${seed}`);
    }
    this.k0 = seed >>> 0;
    this.k1 = Math.floor(seed / 2 ** 32) >>> 0;
    this.counter = 0;
  }

  /** The stream's position: restoring it with `setState` replays the same numbers. */
  getState(): RngState {
    return { key: [this.k0, this.k1], counter: this.counter };
  }

  setState(state: RngState): void {
    const { key, counter } = state;
    const ok =
      Array.isArray(key) &&
      key.length === 2 &&
      key.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 32) &&
      Number.isSafeInteger(counter) &&
      counter >= 0;
    if (!ok)
      throw new RangeError(
        `setRngState: expected { key: [u32, u32], counter ≥ 0 }, got ${JSON.stringify(state)}`,
      );
    this.k0 = key[0];
    this.k1 = key[1];
    this.counter = counter;
  }

  /** Reserves `blocks` consecutive counter values; returns the first. */
  reserve(blocks: number): { key: [number, number]; base: number } {
    const base = this.counter;
    this.counter += blocks;
    return { key: [this.k0, this.k1], base };
  }
}

/**
 * Calls `fill(i, u)` for i = 0, 4, 8, … below n, with u the four uniforms in [0, 1) of block
 * base + i/4 (24 random bits each, exact in f32).
 */
function forEachBlock(
  key: readonly [number, number],
  base: number,
  n: number,
  fill: (i: number, u: Float64Array) => void,
): void {
  const block = new Uint32Array(4);
  const u = new Float64Array(4);
  for (let i = 0; i < n; i += 4) {
    const c = base + i / 4;
    philox4x32(c >>> 0, Math.floor(c / 2 ** 32) >>> 0, 0, 0, key[0], key[1], block);
    for (let j = 0; j < 4; j++) u[j] = (block[j] >>> 8) * 2 ** -24;
    fill(i, u);
  }
}

/** Fills `out` with uniform [0, 1) numbers. */
export function philoxUniform(
  key: readonly [number, number],
  base: number,
  out: Float64Array | Float32Array,
): void {
  forEachBlock(key, base, out.length, (i, u) => {
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = u[j];
  });
}

/** Fills `out` with standard normals by Box–Muller on lanes (0,1) and (2,3) of each block. */
export function philoxNormal(
  key: readonly [number, number],
  base: number,
  out: Float64Array | Float32Array,
): void {
  forEachBlock(key, base, out.length, (i, u) => {
    for (let p = 0; p < 2; p++) {
      // 1 − u keeps the logarithm's argument in (0, 1].
      const r = Math.sqrt(-2 * Math.log(1 - u[2 * p]));
      const theta = 2 * Math.PI * u[2 * p + 1];
      const j = i + 2 * p;
      if (j < out.length) out[j] = r * Math.cos(theta);
      if (j + 1 < out.length) out[j + 1] = r * Math.sin(theta);
    }
  });
}
