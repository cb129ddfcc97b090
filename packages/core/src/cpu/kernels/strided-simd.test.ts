import { describe, expect, it } from 'vitest';
import { createContext, randn } from '../../index.js';

/**
 * Elementwise ops on operands no SIMD kernel reads directly — a permuted view, a stride-0 expanded
 * gradient — big enough for the WebAssembly path (≥ 256 elements), against the same arithmetic in
 * f64 on the values read back element by element.
 */
describe('CPU elementwise SIMD on permuted and expanded operands', () => {
  const context = createContext();
  const near = (got: Float32Array, want: number[], tol: number) => {
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++)
      worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
    expect(worst).toBeLessThan(tol);
  };
  // [6, 5, 4, 7] permuted to [6, 4, 5, 7]: rows of 7 contiguous floats in a shuffled order.
  const base = randn([6, 5, 4, 7], { context });
  const permuted = base.permute([0, 2, 1, 3]);
  const dense = permuted.contiguous();
  const col = randn([6, 4, 5, 1], { context });
  const expanded = col.expand([6, 4, 5, 7]);
  // The references read the stored values by index, not through a kernel under test.
  const b = Array.from(base.dataSync());
  const colValues = Array.from(col.dataSync());
  /** Element (n, i, j, k) of the [6, 4, 5, 7] views, flattened row-major. */
  const at = (f: (n: number, i: number, j: number, k: number) => number) => {
    const out: number[] = [];
    for (let n = 0; n < 6; n++)
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 5; j++) for (let k = 0; k < 7; k++) out.push(f(n, i, j, k));
    return out;
  };
  const pRef = at((n, i, j, k) => b[((n * 5 + j) * 4 + i) * 7 + k]);
  const eRef = at((n, i, j) => colValues[(n * 4 + i) * 5 + j]);

  it('binary ops with a permuted operand, an expanded one, a scalar and a column', () => {
    const [p, e, c] = [pRef, eRef, colValues];
    near(
      permuted.mul(expanded).dataSync() as Float32Array,
      p.map((v, i) => v * e[i]),
      1e-6,
    );
    near(
      expanded.sub(permuted).dataSync() as Float32Array,
      p.map((v, i) => e[i] - v),
      1e-6,
    );
    near(
      permuted.mul(2.5).dataSync() as Float32Array,
      p.map((v) => v * 2.5),
      1e-6,
    );
    near(
      permuted.div(col).dataSync() as Float32Array,
      p.map((v, i) => v / c[Math.floor(i / 7)]),
      1e-6,
    );
    near(
      expanded.add(dense).dataSync() as Float32Array,
      p.map((v, i) => v + e[i]),
      1e-6,
    );
  });

  it('unary ops on a permuted operand', () => {
    const p = pRef;
    expect(Array.from(permuted.neg().dataSync())).toEqual(p.map((v) => -v));
    near(
      permuted.sigmoid().dataSync() as Float32Array,
      p.map((v) => 1 / (1 + Math.exp(-v))),
      2e-6,
    );
  });
});
