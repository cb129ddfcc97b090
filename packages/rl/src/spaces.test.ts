import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { Box, Discrete } from './spaces.js';

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
