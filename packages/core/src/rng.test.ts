import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('draws uniform floats in [0, 1) and integers in [0, n) with about the right frequencies', () => {
    const rng = new Rng(1);
    const counts = new Array(5).fill(0);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      counts[rng.int(5)]++;
    }
    expect(outside).toBe(0);
    expect(sum / 50_000).toBeCloseTo(0.5, 2);
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(400); // ~4.5 standard deviations
  });

  it('rejects bad arguments', () => {
    expect(() => new Rng(1.5)).toThrow(/Rng: seed must be a safe integer, got 1.5/);
    expect(() => new Rng(0).int(0)).toThrow(/Rng.int: n must be an integer in \[1, 2\^32\], got 0/);
  });

  it('permutes uniformly: each of the 6 orders of 3 items about 1/6 of the time', () => {
    const rng = new Rng(11);
    const counts = new Map<string, number>();
    const draws = 60_000;
    for (let i = 0; i < draws; i++) {
      const key = rng.permutation(3).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    // Binomial(60000, 1/6): standard deviation ≈ 91, so 5σ ≈ 456.
    for (const c of counts.values()) expect(Math.abs(c - draws / 6)).toBeLessThan(456);
    expect(rng.permutation(0)).toEqual([]);
    expect(() => rng.permutation(-1)).toThrow(/Rng.permutation: n must be a non-negative integer, got -1/);
  });

  it('forks independent, reproducible streams', () => {
    const a = new Rng(5).fork();
    const b = new Rng(5).fork();
    const parent = new Rng(5);
    const xs = Array.from({ length: 4 }, () => a.nextUint32());
    expect(Array.from({ length: 4 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 4 }, () => parent.nextUint32())).not.toEqual(xs);
  });
});
