import { checkGrad } from '@tessera/autograd';
import { createContext, manualSeed, ones, randn, type Tensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { groupedMatmul, groupedMatmulTN } from './grouped-matmul.js';
import { combine, permute, slotDots } from './permute.js';
import { route, topKIndices } from './routing.js';

/** Plain-loop products per segment, in f64, for the reference. */
function naiveGrouped(x: number[], w: number[], offsets: number[], k: number, n: number): number[] {
  const out: number[] = [];
  for (let e = 0; e + 1 < offsets.length; e++) {
    for (let r = offsets[e]; r < offsets[e + 1]; r++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += x[r * k + t] * w[(e * k + t) * n + j];
        out.push(s);
      }
    }
  }
  return out;
}

function naiveGroupedTN(a: number[], b: number[], offsets: number[], k: number, n: number): number[] {
  const out: number[] = [];
  for (let e = 0; e + 1 < offsets.length; e++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let r = offsets[e]; r < offsets[e + 1]; r++) s += a[r * k + i] * b[r * n + j];
        out.push(s);
      }
    }
  }
  return out;
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);

function expectNear(got: number[], want: number[], tol: number): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  const worst = Math.max(0, ...got.map((g, i) => Math.abs(g - want[i])));
  expect(worst / scale).toBeLessThan(tol);
}

describe('groupedMatmul', () => {
  // Segments of 10, 0 (an expert without rows), 23 and 4 rows: none a multiple of the 4-row panels.
  const offsets = [0, 10, 10, 33, 37];
  const [R, K, N, E] = [37, 19, 21, 4];

  for (const dtype of ['f32', 'f64'] as const) {
    it(`matches per-segment products (${dtype}${dtype === 'f32' ? ', WebAssembly SIMD' : ''})`, () => {
      const ctx = createContext();
      manualSeed(3, ctx);
      const x = randn([R, K], { dtype, context: ctx });
      const w = randn([E, K, N], { dtype, context: ctx });
      const off = tensor(offsets, [E + 1], { dtype: 'i32', context: ctx });
      const tol = dtype === 'f32' ? 1e-5 : 1e-12;
      expectNear(flat(groupedMatmul(x, w, off)), naiveGrouped(flat(x), flat(w), offsets, K, N), tol);
      // A transposed view of w (strides [K·N, 1, K] read as [E, N, K]) as the backward uses it.
      const wt = randn([E, N, K], { dtype, context: ctx });
      const wtDense = flat(wt.transpose(1, 2).contiguous());
      expectNear(
        flat(groupedMatmul(x, wt.transpose(1, 2), off)),
        naiveGrouped(flat(x), wtDense, offsets, K, N),
        tol,
      );
      const b = randn([R, N], { dtype, context: ctx });
      expectNear(flat(groupedMatmulTN(x, b, off)), naiveGroupedTN(flat(x), flat(b), offsets, K, N), tol);
    });
  }

  it('has gradients that match finite differences (and so has its weight-gradient op)', async () => {
    const ctx = createContext();
    manualSeed(4, ctx);
    const off = tensor([0, 2, 2, 5], [4], { dtype: 'i32', context: ctx });
    const x = randn([5, 3], { dtype: 'f64', context: ctx });
    const w = randn([3, 3, 2], { dtype: 'f64', context: ctx });
    await checkGrad((a, b) => groupedMatmul(a, b, off), [x, w]);
    const b = randn([5, 2], { dtype: 'f64', context: ctx });
    await checkGrad((a, c) => groupedMatmulTN(a, c, off), [x, b]);
  });

  it('rejects bad offsets and shapes with the op and the values', () => {
    const ctx = createContext();
    const x = randn([5, 3], { context: ctx });
    const w = randn([2, 3, 4], { context: ctx });
    const i32 = (v: number[]) => tensor(v, [v.length], { dtype: 'i32', context: ctx });
    expect(() => groupedMatmul(x, w, i32([0, 5]))).toThrow(/moe.groupedMatmul.*i32 \[3\]/);
    expect(() => groupedMatmul(x, w, i32([0, 4, 3]))).toThrow(/offsets \[0, 4, 3\]/);
    expect(() => groupedMatmul(x, randn([2, 4, 4], { context: ctx }), i32([0, 2, 5]))).toThrow(/same K/);
  });
});

describe('route, permute and combine', () => {
  const ctx = createContext();
  const idx = tensor([2, 0, 1, 2, 2, 1, 0, 2, 2, 0], [5, 2], { dtype: 'i32', context: ctx });

  it('sorts slots into contiguous expert segments and round-trips exactly', () => {
    const { dest, offsets, load, rows } = route(idx, 4);
    expect(rows).toBe(10);
    expect(flat(load)).toEqual([3, 2, 5, 0]);
    expect(flat(offsets)).toEqual([0, 3, 5, 10, 10]);
    const d = flat(dest);
    expect([...d].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // a permutation
    const e = flat(idx);
    const off = flat(offsets);
    d.forEach((row, s) => {
      expect(row).toBeGreaterThanOrEqual(off[e[s]]);
      expect(row).toBeLessThan(off[e[s] + 1]);
    });
    // Every slot's row holds its token, bit for bit, and combining with weights 1/k gives x back.
    manualSeed(5, ctx);
    const x = randn([5, 7], { context: ctx });
    const buf = permute(x, dest, ones([5, 2], { context: ctx }), rows);
    const xs = flat(x);
    const bs = flat(buf);
    d.forEach((row, s) => {
      const t = Math.floor(s / 2);
      expect(bs.slice(row * 7, row * 7 + 7)).toEqual(xs.slice(t * 7, t * 7 + 7));
    });
    const back = combine(buf, dest, tensor(new Array(10).fill(0.5), [5, 2], { context: ctx }));
    expect(flat(back)).toEqual(xs);
  });

  it('with a capacity, keeps first choices before second ones and drops the overflow', () => {
    const { dest, offsets, load, dropped, rows } = route(idx, 4, 2);
    expect(rows).toBe(8);
    expect(flat(offsets)).toEqual([0, 2, 4, 6, 8]);
    expect(flat(load)).toEqual([3, 2, 5, 0]);
    // Expert e owns rows 2e, 2e + 1. First choices, tokens 0…4 → experts 2, 1, 2, 0, 2: rows 4,
    // 2, 5, 0, and token 4 (expert 2's third) is dropped. Second choices → 0, 2, 1, 2, 0: token 0
    // gets row 1, token 2 row 3; expert 2 is full (tokens 1, 3) and so is expert 0 (token 4).
    expect(flat(dest)).toEqual([4, 1, 2, -1, 5, 3, 0, -1, -1, -1]);
    expect(flat(dropped)).toEqual([4]);
  });

  it('has gradients that match finite differences, dropped slots included', async () => {
    const c = createContext();
    manualSeed(6, c);
    const dest = tensor([3, -1, 0, 4, 1, 2], [3, 2], { dtype: 'i32', context: c });
    const x = randn([3, 4], { dtype: 'f64', context: c });
    const w = randn([3, 2], { dtype: 'f64', context: c });
    const y = randn([6, 4], { dtype: 'f64', context: c });
    await checkGrad((a, b) => permute(a, dest, b, 6), [x, w]);
    await checkGrad((a, b) => combine(a, dest, b), [y, w]);
    await checkGrad((a, b) => slotDots(a, b, dest), [x, y]);
  });

  it('rejects a dest that names a row twice or out of range', () => {
    const x = randn([2, 3], { context: ctx });
    const w = ones([2, 1], { context: ctx });
    const twice = tensor([1, 1], [2, 1], { dtype: 'i32', context: ctx });
    expect(() => permute(x, twice, w, 3).dataSync()).toThrow(/dest\[1, 0\] = 1/);
    const outside = tensor([0, 3], [2, 1], { dtype: 'i32', context: ctx });
    expect(() => permute(x, outside, w, 3).dataSync()).toThrow(/dest\[1, 0\] = 3/);
  });
});

describe('topKIndices', () => {
  it('picks the k largest per row, best first, ties to the lower index', () => {
    const ctx = createContext();
    const s = tensor([0.1, 0.5, 0.3, 0.5, 0.9, 0.2, 0.2, 0.1], [2, 4], { context: ctx });
    expect(topKIndices(s, 3).arraySync()).toEqual([
      [1, 3, 2],
      [0, 1, 2],
    ]);
    expect(() => topKIndices(s, 5)).toThrow(/\[1, 4\]/);
  });
});
