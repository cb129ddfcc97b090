/**
 * A permutation of 0…n−1 by Fisher–Yates, driven by a SplitMix32-style generator seeded with
 * (seed, stream). Local state only: the same arguments give the same permutation anywhere.
 */
export function permutation(n: number, seed: number, stream = 0): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let state = (Math.imul(seed | 0, 0x9e3779b9) ^ Math.imul((stream | 0) + 1, 0x85ebca6b)) >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
