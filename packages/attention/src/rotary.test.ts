import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { applyRotary, applyRotary2d } from './rotary.js';
import { testValues } from './testing/reference.js';

/** Pair (t, t + d/2) of row x rotated by pos·θ^(−2t/d), written out directly. */
function rotateRow(x: number[], pos: number, base = 10000): number[] {
  const d = x.length;
  const out = [...x];
  for (let t = 0; t < d / 2; t++) {
    const a = pos * base ** ((-2 * t) / d);
    out[t] = x[t] * Math.cos(a) - x[t + d / 2] * Math.sin(a);
    out[t + d / 2] = x[t + d / 2] * Math.cos(a) + x[t] * Math.sin(a);
  }
  return out;
}

describe('rotary embeddings', () => {
  const context = createContext();
  it('rotates each pair by position·θ^(−2t/d), from an offset', () => {
    const [s, d] = [5, 8];
    const data = Array.from(testValues(2 * s * d, 3));
    const x = tensor(data, [2, 1, s, d], { dtype: 'f64', context });
    const y = Array.from(applyRotary(x, { offset: 7 }).dataSync() as Float64Array);
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < s; i++) {
        const row = data.slice((b * s + i) * d, (b * s + i + 1) * d);
        const want = rotateRow(row, 7 + i);
        want.forEach((w, t) => {
          expect(y[(b * s + i) * d + t]).toBeCloseTo(w, 12);
        });
      }
    }
  });

  it('q·k depends only on the relative position', () => {
    const d = 16;
    const q = tensor(testValues(d, 1), [1, d], { dtype: 'f64', context });
    const k = tensor(testValues(d, 2), [1, d], { dtype: 'f64', context });
    const dot = (m: number, n: number) =>
      applyRotary(q, { positions: [m] })
        .mul(applyRotary(k, { positions: [n] }))
        .sum()
        .itemSync();
    expect(dot(3, 1)).toBeCloseTo(dot(13, 11), 10);
    expect(dot(0, 5)).toBeCloseTo(dot(20, 25), 10);
    expect(Math.abs(dot(3, 1) - dot(3, 2))).toBeGreaterThan(1e-6);
  });

  it('2-D: the first half follows the patch row, the second the patch column', () => {
    const [rows, cols, d] = [2, 3, 8];
    const data = Array.from(testValues(rows * cols * d, 5));
    const x = tensor(data, [1, 1, rows * cols, d], { dtype: 'f64', context });
    const y = Array.from(applyRotary2d(x, { rows, cols }).dataSync() as Float64Array);
    for (let n = 0; n < rows * cols; n++) {
      const row = data.slice(n * d, (n + 1) * d);
      const want = [
        ...rotateRow(row.slice(0, d / 2), Math.floor(n / cols)),
        ...rotateRow(row.slice(d / 2), n % cols),
      ];
      want.forEach((w, t) => {
        expect(y[n * d + t]).toBeCloseTo(w, 12);
      });
    }
  });

  it('2-D with given (row, col) positions: q·k depends only on the (row, col) offset', () => {
    const d = 16;
    const q = tensor(testValues(d, 3), [1, d], { dtype: 'f64', context });
    const k = tensor(testValues(d, 4), [1, d], { dtype: 'f64', context });
    const dot = (qp: readonly [number, number], kp: readonly [number, number]) =>
      applyRotary2d(q, { positions: [qp] })
        .mul(applyRotary2d(k, { positions: [kp] }))
        .sum()
        .itemSync();
    // Same offset (2, −1) at different absolute places.
    expect(dot([3, 1], [1, 2])).toBeCloseTo(dot([12, 7], [10, 8]), 10);
    expect(dot([0, 0], [4, 5])).toBeCloseTo(dot([6, 2], [10, 7]), 10);
    // A different row offset, or a different column offset, changes the score.
    expect(Math.abs(dot([3, 1], [1, 2]) - dot([3, 1], [2, 2]))).toBeGreaterThan(1e-6);
    expect(Math.abs(dot([3, 1], [1, 2]) - dot([3, 1], [1, 3]))).toBeGreaterThan(1e-6);
    // Explicit positions equal the grid layout they spell out.
    const x = tensor(testValues(6 * 8, 6), [6, 8], { dtype: 'f64', context });
    const grid = Array.from(applyRotary2d(x, { rows: 2, cols: 3 }).dataSync() as Float64Array);
    const given = applyRotary2d(x, {
      positions: Array.from({ length: 6 }, (_, n) => [Math.floor(n / 3), n % 3] as const),
    }).dataSync() as Float64Array;
    grid.forEach((g, i) => {
      expect(given[i]).toBe(g);
    });
  });

  it('errors name the op and the shape', () => {
    expect(() => applyRotary(tensor([1, 2, 3], [1, 3], { context }))).toThrow(
      'applyRotary: dim must be even, got x [1, 3]',
    );
    expect(() =>
      applyRotary2d(tensor(new Float32Array(24), [6, 4], { context }), { rows: 2, cols: 2 }),
    ).toThrow('applyRotary2d: x [6, 4] needs seq = rows·cols = 2·2');
  });
});
