import { afterAll, describe, expect, it } from 'vitest';
import type { Context } from '../../context.js';
import { createContext } from '../../default-context.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from '../../ops/conv.js';
import { tensor } from '../../ops/creation.js';
import {
  abs,
  add,
  div,
  eq,
  erf,
  exp,
  ge,
  gelu,
  gt,
  le,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  relu,
  sigmoid,
  silu,
  sqrt,
  square,
  sub,
  where,
} from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { Rng } from '../../rng.js';
import type { Tensor } from '../../tensor.js';
import type { CpuBackend } from '../backend.js';

/**
 * The conformance suite's shapes are mostly below the sizes where the WebAssembly kernels take
 * over (and below the parallel thresholds), so these cases compare the SIMD backend on two
 * threads with the TypeScript one at sizes that take every SIMD path: elementwise results must
 * be bit-identical, matmul within 1e-5 of the f64 reference.
 */
const simd = createContext({ cpu: { threads: 2 } });
const ts = createContext({ cpu: { simd: false } });
afterAll(() => {
  for (const c of [simd, ts]) (c.backend('cpu') as CpuBackend).dispose();
});

function values(n: number, seed: number, nan = false): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = rng.uniform(-3, 3);
    return nan && i % 97 === 5 ? Number.NaN : x;
  });
}

/** The first index where two arrays differ (NaN equals NaN, −0 differs from +0), or -1. */
function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

function make(ctx: Context, shape: number[], seed: number, nan = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(values(n, seed, nan), shape, { context: ctx });
}

describe('WebAssembly SIMD kernels', () => {
  it('runs as SIMD on two threads here', () => {
    expect((simd.backend('cpu') as CpuBackend).info()).toMatchObject({ simd: true, threads: 2 });
    expect((ts.backend('cpu') as CpuBackend).info()).toEqual({ simd: false, threads: 1, relaxedSimd: false });
  });

  const binary = { add, sub, mul, div, maximum, minimum };
  // dense, scalar on either side, a bias row on either side, a size-1 middle axis, big (parallel)
  const layouts: [string, number[], number[]][] = [
    ['dense [37, 71]', [37, 71], [37, 71]],
    ['scalar right', [37, 71], []],
    ['scalar left', [1, 1], [37, 71]],
    ['bias row right', [37, 71], [71]],
    ['bias row left', [3, 71], [37, 3, 71]],
    ['row with unit axis', [9, 1, 301], [301]],
    ['column right', [37, 71], [37, 1]],
    ['column left', [4, 9, 1], [4, 9, 67]],
    ['column, parallel (chunks end mid-row)', [520, 513], [520, 1]],
    ['not SIMD: column of a broadcast batch', [37, 71], [1, 37, 1]],
    ['dense, parallel [520, 512]', [520, 512], [520, 512]],
    ['bias row, parallel', [520, 513], [513]],
  ];
  for (const [name, fn] of Object.entries(binary)) {
    for (const [label, sa, sb] of layouts) {
      it(`${name}: ${label} matches the TypeScript kernel exactly`, () => {
        const got = fn(make(simd, sa, 1, true), make(simd, sb, 2)).dataSync();
        const want = fn(make(ts, sa, 1, true), make(ts, sb, 2)).dataSync();
        expect(firstDifference(got, want)).toBe(-1);
      });
    }
  }

  const compare = { eq, ne, lt, le, gt, ge };
  const compareLayouts: [string, number[], number[]][] = [
    ['dense [37, 71]', [37, 71], [37, 71]],
    ['scalar right', [37, 71], []],
    ['scalar left', [], [37, 71]],
    ['dense, parallel [520, 512]', [520, 512], [520, 512]],
  ];
  for (const [name, fn] of Object.entries(compare)) {
    for (const [label, sa, sb] of compareLayouts) {
      it(`${name}: ${label} matches the TypeScript kernel exactly`, () => {
        // Coarse values so that equal pairs occur; NaN on the left.
        const mk = (ctx: Context, shape: number[], seed: number, nan: boolean) =>
          tensor(
            values(
              shape.reduce((x, y) => x * y, 1),
              seed,
              nan,
            ).map((v) => (Number.isNaN(v) ? v : Math.round(v))),
            shape,
            { context: ctx },
          );
        const got = fn(mk(simd, sa, 1, true), mk(simd, sb, 2, false)).dataSync();
        const want = fn(mk(ts, sa, 1, true), mk(ts, sb, 2, false)).dataSync();
        expect(firstDifference(got, want)).toBe(-1);
      });
    }
  }

  const unary = { neg, abs, sqrt, square, relu };
  for (const [name, fn] of Object.entries(unary)) {
    for (const shape of [[1001], [520, 512]]) {
      it(`${name} [${shape}] matches the TypeScript kernel exactly`, () => {
        const got = fn(make(simd, shape, 3, true)).dataSync();
        const want = fn(make(ts, shape, 3, true)).dataSync();
        expect(firstDifference(got, want)).toBe(-1);
      });
    }
  }
  // exp, sigmoid and silu use the polynomial exponential: a few ulp from the TypeScript kernels
  // (Math.exp), exact at ±∞, NaN kept, tiny and huge arguments included; for exp also both sides
  // of its f32 overflow (88.7228317 is the largest f32 whose e^x is a finite f32), the range above
  // 80 that is computed as e^(x − 8)·e^8, and results below f32's normal range (flushed to 0,
  // within the 1e-35 absolute slack).
  const expBased = { exp, sigmoid, silu };
  for (const [name, fn] of Object.entries(expBased)) {
    it(`${name} [1003] is within 4e-7 (relative) of the TypeScript kernel`, () => {
      const xs = values(1003, 5, true).map((x, i) => (i % 10 === 3 ? x * 40 : i % 10 === 7 ? 80 + x * 3 : x));
      xs.splice(0, 4, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-30, -200);
      xs.splice(4, 6, 88.72283172607422, 88.72283935546875, 88.5, 80.000001, -87.5, -95);
      const got = fn(tensor(xs, [1003], { context: simd })).dataSync();
      const want = fn(tensor(xs, [1003], { context: ts })).dataSync();
      for (let i = 0; i < xs.length; i++) {
        if (!Number.isFinite(want[i])) expect(got[i]).toBe(want[i]);
        else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(4e-7 * Math.abs(want[i]) + 1e-35);
      }
    });
  }
  // The exact gelu and erf use a rational erfc (Numerical Recipes' erfcc, 1.2e-7) under the
  // polynomial exponential, in f32: within the conformance suite's f32 tolerance (1e-5 relative)
  // of the TypeScript kernels' f64 series, the tails included (gelu at −13 is about −1e-38, where
  // the rounding of −x²/2 in f32 costs a few 1e-6), exact at ±∞ and ±0, NaN kept.
  const erfBased = { gelu, erf };
  for (const [name, fn] of Object.entries(erfBased)) {
    it(`${name} [2003] is within 1e-5 (relative) of the TypeScript kernel`, () => {
      const xs = values(2003, 6, true).map((x, i) => (i % 10 === 3 ? x * 4.3 : i % 10 === 7 ? x / 1000 : x));
      xs.splice(0, 8, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-30, -13, 0.4999, 0.5);
      const got = fn(tensor(xs, [2003], { context: simd })).dataSync();
      const want = fn(tensor(xs, [2003], { context: ts })).dataSync();
      for (let i = 0; i < xs.length; i++) {
        if (!Number.isFinite(want[i]) || want[i] === 0) expect(got[i]).toBe(want[i]);
        else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.abs(want[i]) + 1e-37);
      }
    });
  }
  // ½x(1 + tanh u) at x = −7 and −9 to 40 digits (mpmath): −2.315442262072549e-15 and
  // −1.3364595947348725e-28, which the tanh form misses by 0.7 % and 100 % (it gives −0) in f64.
  it('the tanh gelu keeps its precision in the negative tail on both paths', () => {
    for (const ctx of [simd, ts]) {
      const x = tensor(new Array(300).fill(-7).fill(-9, 150), [300], { context: ctx });
      const y = gelu(x, { approximate: 'tanh' }).dataSync();
      expect(Math.abs(y[0] / -2.315442262072549e-15 - 1)).toBeLessThan(1e-5);
      expect(Math.abs(y[299] / -1.3364595947348725e-28 - 1)).toBeLessThan(1e-5);
    }
  });
  // The tanh gelu as x·σ(2u) in f32 (polynomial exponential), against the same form in f64.
  it('the tanh gelu [2003] is within 1e-5 (relative) of the TypeScript kernel', () => {
    const xs = values(2003, 7, true).map((x, i) => (i % 10 === 3 ? x * 4.3 : i % 10 === 7 ? x / 1000 : x));
    xs.splice(0, 8, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-30, -7, -13, 5.5);
    const got = gelu(tensor(xs, [2003], { context: simd }), { approximate: 'tanh' }).dataSync();
    const want = gelu(tensor(xs, [2003], { context: ts }), { approximate: 'tanh' }).dataSync();
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(want[i]) || want[i] === 0) expect(got[i]).toBe(want[i]);
      else expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.abs(want[i]) + 1e-37);
    }
  });
  it('a strided unary input falls back and still matches', () => {
    const got = relu(make(simd, [40, 50], 4).transpose(0, 1)).dataSync();
    const want = relu(make(ts, [40, 50], 4).transpose(0, 1)).dataSync();
    expect(firstDifference(got, want)).toBe(-1);
  });

  // Matmul operands in [-1, 1]: with [-3, 3] and k ≈ 250 the f32 rounding of the products
  // alone reaches ~1e-5 of the f64 sum near 0 (the conformance suite's own cases pass at 1e-5).
  const unit = (n: number, seed: number) => values(n, seed).map((x) => Math.fround(x / 3));

  /** f64 reference product of row-major values. */
  function reference(
    a: number[],
    b: number[],
    batch: number,
    m: number,
    k: number,
    n: number,
    bBatch = true,
  ) {
    const out = new Float64Array(batch * m * n);
    for (let t = 0; t < batch; t++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[(t * m + i) * k + p] * b[(bBatch ? t * k * n : 0) + p * n + j];
          out[(t * m + i) * n + j] = s;
        }
    return out;
  }

  function expectClose(got: ArrayLike<number>, want: ArrayLike<number>) {
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++)
      worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    expect(worst).toBeLessThan(1e-5);
  }

  const products: [string, number, number, number, number][] = [
    ['parallel, ragged tiles [130, 257] @ [257, 301]', 1, 130, 257, 301],
    ['batched parallel [3, 67, 200] @ [3, 200, 90]', 3, 67, 200, 90],
    ['long k [5, 1000] @ [1000, 9]', 1, 5, 1000, 9],
    ['m = 1 [1, 300] @ [300, 520]', 1, 1, 300, 520],
    ['n = 1 [300, 77] @ [77, 1]', 1, 300, 77, 1],
  ];
  for (const [label, batch, m, k, n] of products) {
    it(`matmul ${label} is within 1e-5 of f64`, () => {
      const av = unit(batch * m * k, 5);
      const bv = unit(batch * k * n, 6);
      const sa = batch > 1 ? [batch, m, k] : [m, k];
      const sb = batch > 1 ? [batch, k, n] : [k, n];
      const got = matmul(tensor(av, sa, { context: simd }), tensor(bv, sb, { context: simd })).dataSync();
      expectClose(got, reference(av, bv, batch, m, k, n));
    });
  }

  it('matmul with both operands transposed and a broadcast batch, in parallel', () => {
    const [batch, m, k, n] = [4, 96, 150, 110];
    const av = unit(batch * m * k, 7);
    const bv = unit(k * n, 8);
    // Stored transposed, read back through transpose views.
    const at = new Array<number>(av.length);
    for (let t = 0; t < batch; t++)
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) at[(t * k + p) * m + i] = av[(t * m + i) * k + p];
    const bt = new Array<number>(bv.length);
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = bv[p * n + j];
    const a = tensor(at, [batch, k, m], { context: simd }).transpose(-2, -1);
    const b = tensor(bt, [1, n, k], { context: simd }).transpose(-2, -1);
    expectClose(matmul(a, b).dataSync(), reference(av, bv, batch, m, k, n, false));
  });

  it('matmul of narrow views into big tensors (packed in TypeScript, not copied whole)', () => {
    const av = unit(900 * 400, 17);
    const bv = unit(7 * 3000, 18);
    const a = tensor(av, [900, 400], { context: simd }).slice(1, 3, 10); // [900, 7], span ≫ size
    const b = tensor(bv, [7, 3000], { context: simd }).slice(1, 100, 400, 3); // [7, 100], strided
    const got = matmul(a, b).dataSync();
    const as = Array.from({ length: 900 * 7 }, (_, i) => av[Math.floor(i / 7) * 400 + 3 + (i % 7)]);
    const bs = Array.from(
      { length: 7 * 100 },
      (_, i) => bv[Math.floor(i / 100) * 3000 + 100 + 3 * (i % 100)],
    );
    expectClose(got, reference(as, bs, 1, 900, 7, 100));
  });

  it('matmul gives the same bits on one thread and on two', () => {
    const one = createContext({ cpu: { threads: 1 } });
    const a = values(300 * 200, 11);
    const b = values(200 * 310, 12);
    const got = matmul(
      tensor(a, [300, 200], { context: simd }),
      tensor(b, [200, 310], { context: simd }),
    ).dataSync();
    const want = matmul(
      tensor(a, [300, 200], { context: one }),
      tensor(b, [200, 310], { context: one }),
    ).dataSync();
    expect(firstDifference(got, want)).toBe(-1);
  });

  it('conv2d and its gradients (grouped, padded, strided) agree with the f64 TypeScript path', () => {
    const opts = { stride: 2, padding: 1, groups: 2 };
    const xs = [2, 8, 21, 19];
    const ws = [12, 4, 3, 3];
    const run = (ctx: Context) => {
      const x = tensor(unit(2 * 8 * 21 * 19, 13), xs, { context: ctx });
      const w = tensor(unit(12 * 4 * 9, 14), ws, { context: ctx });
      const b = tensor(unit(12, 15), [12], { context: ctx });
      const y = conv2d(x, w, b, opts);
      const gy = tensor(unit(y.size, 16), y.shape, { context: ctx });
      return [y, conv2dBackwardInput(gy, w, xs, opts), conv2dBackwardWeight(x, gy, ws, opts)].map((t) =>
        t.dataSync(),
      );
    };
    const got = run(simd);
    const want = run(ts);
    for (let i = 0; i < 3; i++) expectClose(got[i], want[i]);
  });

  it('a disposed backend keeps computing on the calling thread', () => {
    const ctx = createContext({ cpu: { threads: 2 } });
    const x = make(ctx, [200, 300], 9);
    const y = make(ctx, [300, 100], 10);
    const before = Array.from(matmul(x, y).dataSync());
    (ctx.backend('cpu') as CpuBackend).dispose();
    expect(Array.from(matmul(x, y).dataSync())).toEqual(before);
  });
});

describe('where on WebAssembly SIMD', () => {
  it('selects the chosen bits exactly for dense and one-element operands, every tail length', () => {
    const rt = (simd.backend('cpu') as CpuBackend).wasm();
    expect(rt?.has('where_f32')).toBe(true);
    const rng = new Rng(21);
    for (const n of [256, 257, 271, 1000, 4099]) {
      // x carries NaNs with payloads and −0; y is dense or one element (a ReLU gradient's 0).
      const cv = Array.from({ length: n }, () => (rng.uniform(0, 1) < 0.5 ? 1 : 0));
      const xb = new Uint32Array(n).map((_, i) =>
        i % 13 === 3 ? 0x7fc01234 + i : i % 17 === 4 ? 0x80000000 : 0,
      );
      const xv = new Float32Array(xb.buffer).map((v, i) => (xb[i] === 0 ? rng.uniform(-2, 2) : v));
      const yv = new Float32Array(n).map(() => rng.uniform(-2, 2));
      for (const [ys, yShape] of [
        [yv, [n]],
        [new Float32Array([-0]), []],
      ] as const) {
        const c = tensor(cv, [n], { dtype: 'bool', context: simd });
        const x = tensor(xv, [n], { context: simd });
        const y = tensor(Array.from(ys), [...yShape], { context: simd });
        const got = new Uint32Array(new Float32Array(where(c, x, y).dataSync()).buffer);
        const want = new Uint32Array(
          Float32Array.from({ length: n }, (_, i) => (cv[i] ? xv[i] : ys[ys.length === 1 ? 0 : i])).buffer,
        );
        expect(firstDifference(got, want)).toBe(-1);
        // x one element too: the mask picks between two constants.
        const both = where(c, tensor([7.5], [], { context: simd }), y).dataSync();
        expect(
          firstDifference(
            both,
            cv.map((k, i) => (k ? 7.5 : ys[ys.length === 1 ? 0 : i])),
          ),
        ).toBe(-1);
      }
    }
  });

  it('reads views at an offset and matches the TypeScript kernel under ReLU’s gradient', () => {
    const run = (ctx: Context) => {
      const x = tensor(values(3 * 700, 22), [3, 700], { context: ctx });
      const g = tensor(values(3 * 700, 23), [3, 700], { context: ctx });
      // Row 1 of each: offset views (700 elements from 700).
      return where(gt(x.slice(0, 1, 2), 0), g.slice(0, 1, 2), 0).dataSync();
    };
    expect(firstDifference(run(simd), run(ts))).toBe(-1);
  });
});
