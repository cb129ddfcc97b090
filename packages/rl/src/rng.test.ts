import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { Box, Discrete } from './spaces.js';

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
});

describe('spaces', () => {
  it('Discrete samples and contains {start, …, start + n − 1}', () => {
    const d = new Discrete(3, 2);
    const rng = new Rng(3);
    for (let i = 0; i < 30; i++) expect([2, 3, 4]).toContain(d.sample(rng));
    expect(d.contains(1)).toBe(false);
    expect(d.contains('2')).toBe(false);
    expect(() => new Discrete(0)).toThrow(/Discrete: n must be a positive integer, got 0/);
  });

  it('Box samples inside its bounds', () => {
    const box = new Box([-1, 0], [1, 5]);
    const rng = new Rng(4);
    for (let i = 0; i < 30; i++) expect(box.contains(box.sample(rng))).toBe(true);
    expect(box.contains(Float64Array.of(2, 1))).toBe(false);
    expect(() => new Box([1], [0])).toThrow(/Box: need low\[0\] <= high\[0\], got 1 > 0/);
  });
});
