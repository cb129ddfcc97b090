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
