import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from './replay-buffer.js';

/** Transition i: s = [i, −i], a = [10·i], r = 100·i, s′ = [i + 0.5, −i − 0.5], terminated when i is odd. */
function fill(buffer: ReplayBuffer, from: number, to: number): void {
  for (let i = from; i < to; i++) buffer.add([i, -i], [10 * i], 100 * i, [i + 0.5, -i - 0.5], i % 2 === 1);
}

describe('ReplayBuffer', () => {
  it('stores transitions in order and wraps around, overwriting the oldest', () => {
    const buffer = new ReplayBuffer(4, 2, 1);
    fill(buffer, 0, 3);
    expect(buffer.size).toBe(3);
    expect(buffer.writeIndex).toBe(3);
    fill(buffer, 3, 6); // 3 fills slot 3, then 4 and 5 overwrite slots 0 and 1
    expect(buffer.size).toBe(4);
    expect(buffer.writeIndex).toBe(2);
    const all = buffer.gather([0, 1, 2, 3]);
    expect(Array.from(all.rewards)).toEqual([400, 500, 200, 300]);
    expect(Array.from(all.observations)).toEqual([4, -4, 5, -5, 2, -2, 3, -3]);
    expect(Array.from(all.actions)).toEqual([40, 50, 20, 30]);
    expect(Array.from(all.nextObservations)).toEqual([4.5, -4.5, 5.5, -5.5, 2.5, -2.5, 3.5, -3.5]);
    expect(Array.from(all.terminals)).toEqual([0, 1, 0, 1]);
  });

  it('samples uniformly with replacement from the stored transitions only', () => {
    const buffer = new ReplayBuffer(100, 2, 1);
    fill(buffer, 0, 10);
    const counts = new Array(10).fill(0);
    const batch = buffer.sample(20_000, new Rng(5));
    let whole = true;
    for (let b = 0; b < batch.size; b++) {
      const i = batch.rewards[b] / 100;
      // Each row is one whole transition of a stored index.
      whole &&=
        Number.isInteger(i) &&
        i >= 0 &&
        i < 10 &&
        batch.observations[2 * b] === i &&
        batch.actions[b] === 10 * i &&
        batch.nextObservations[2 * b + 1] === -i - 0.5 &&
        batch.terminals[b] === i % 2;
      counts[i]++;
    }
    expect(whole).toBe(true);
    // 2,000 expected per slot; the binomial std is about 42, so 6σ bounds.
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(250);
    // The same generator state gives the same batch.
    expect(Array.from(buffer.sample(16, new Rng(9)).rewards)).toEqual(
      Array.from(buffer.sample(16, new Rng(9)).rewards),
    );
  });

  it('rejects bad input', () => {
    const buffer = new ReplayBuffer(2, 2, 1);
    expect(() => buffer.sample(1, new Rng(0))).toThrow(/ReplayBuffer.sample: the buffer is empty/);
    expect(() => buffer.add([1], [0], 0, [1, 2], false)).toThrow(
      /observations must have 2 entries, got 1 and 2/,
    );
    expect(() => buffer.add([1, 2], [0, 0], 0, [1, 2], false)).toThrow(/action must have 1 entries, got 2/);
    fill(buffer, 0, 1);
    expect(() => buffer.gather([1])).toThrow(/index 1 is outside the 1 stored transitions/);
    expect(() => new ReplayBuffer(0, 1, 1)).toThrow(/capacity must be a positive integer, got 0/);
  });
});
