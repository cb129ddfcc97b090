import { Rng } from '@tessera/core';

/**
 * A permutation of 0…n−1 drawn by Fisher–Yates from core's seeded `Rng`, one stream per (seed, stream)
 * pair. Local state only: the same arguments give the same permutation anywhere.
 */
export function permutation(n: number, seed: number, stream = 0): number[] {
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(stream) || stream < 0 || stream >= 2 ** 21) {
    throw new Error(
      `permutation: seed must be a safe integer and stream an integer in [0, 2^21), got ${seed}, ${stream}`,
    );
  }
  // The stream selects an independent generator: mix it into the high bits of the seed.
  return new Rng((seed >>> 0) + stream * 0x1_0000_0000).permutation(n);
}
