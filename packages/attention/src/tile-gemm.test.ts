import { describe, expect, it } from 'vitest';
import { testValues } from './testing/reference.js';
import { jsGemm, pad8, tileEngine } from './tile-gemm.js';

/** C (+)= op(A)·B by the definition, in f64. */
function reference(
  h: ArrayLike<number>,
  a: number,
  si: number,
  st: number,
  b: number,
  ldb: number,
  m: number,
  n: number,
  k: number,
) {
  const c: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += h[a + i * si + t * st] * h[b + t * ldb + j];
      c.push(s);
    }
  return c;
}

describe('tile products', () => {
  for (const [m, n, k] of [
    [7, 16, 5],
    [4, 8, 1],
    [13, 24, 37],
    [1, 8, 64],
  ]) {
    for (const transA of [false, true]) {
      it(`wasm SIMD and JS agree with the definition: m ${m}, n ${n}, k ${k}${transA ? ', Aᵀ' : ''}`, () => {
        for (const engine of [
          tileEngine(false, 8192, true),
          tileEngine(false, 8192, false),
          tileEngine(true, 8192),
        ]) {
          const h = engine.heap;
          const init = testValues(8192, m * 31 + k);
          h.set(init);
          const [A, B, C, ldc] = [0, 3000, 6000, n + 8];
          const [si, st] = transA ? [1, m + 3] : [k + 2, 1];
          const want = reference(h, A, si, st, B, n, m, n, k);
          const padding = h[C + ldc - 1];
          engine.gemm(A, si, st, B, n, C, ldc, m, n, k, false);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) expect(h[C + i * ldc + j]).toBeCloseTo(want[i * n + j], 4);
          engine.gemm(A, si, st, B, n, C, ldc, m, n, k, true);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) expect(h[C + i * ldc + j]).toBeCloseTo(2 * want[i * n + j], 4);
          // Padding columns of C are untouched.
          expect(h[C + ldc - 1]).toBe(padding);
        }
      });
    }
  }

  it('pad8 rounds up to the 8-column blocks', () => {
    expect([1, 8, 9, 64].map(pad8)).toEqual([8, 8, 16, 64]);
    expect(typeof jsGemm).toBe('function');
  });
});

describe('the SIMD exponential (expShift)', () => {
  it('is within 2.5e-7 relative of Math.exp, 0 below −87 and for −∞, and sums what it writes', () => {
    const engine = tileEngine(false, 4096, true);
    const h = engine.heap;
    // A sweep over [−90, 80] (the whole exponent range and the flush threshold; the sum stays
    // finite in f32) plus −∞, a multiple of 4 long so every element takes the SIMD loop.
    const xs = Array.from({ length: 4000 }, (_, i) => -90 + (170 * i) / 3999);
    xs.push(Number.NEGATIVE_INFINITY, -87.5, -86.5, 0);
    const m = 0.75;
    h.set(xs.map((x) => x + m));
    const sum = engine.expShift(0, xs.length, m);
    let want = 0;
    xs.forEach((_, i) => {
      // The kernel subtracts in f32: compare with e^ of that rounded difference.
      const x = Math.fround(Math.fround(xs[i] + m) - m);
      if (x < -87) expect(h[i]).toBe(0);
      else expect(Math.abs(h[i] - Math.exp(x)) / Math.exp(x)).toBeLessThan(2.5e-7);
      want += h[i];
    });
    expect(Math.abs(sum - want) / want).toBeLessThan(1e-6);
  });

  it('keeps NaN', () => {
    const engine = tileEngine(false, 64, true);
    engine.heap.set([Number.NaN, 0, 1, 2]);
    expect(Number.isNaN(engine.expShift(0, 4, 0))).toBe(true);
    expect(Number.isNaN(engine.heap[0])).toBe(true);
    expect(engine.heap[1]).toBe(1);
  });
});
