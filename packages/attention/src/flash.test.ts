import { backward, checkGrad, requiresGrad } from '@tessera/autograd';
import {
  type Context,
  createContext,
  type DType,
  memory,
  resetPeakMemory,
  type Tensor,
  tensor,
  tidy,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { type AttentionOptions, scaledDotProductAttention } from './scaled-dot-product-attention.js';
import {
  paddingMask,
  type ReferenceCase,
  referenceAttention,
  relativeError,
  testValues,
} from './testing/reference.js';

interface Case {
  b?: number;
  h?: number;
  hk?: number;
  sq: number;
  sk?: number;
  d?: number;
  dv?: number;
  causal?: boolean;
  /** Mask as tensor data (bool 0/1 or additive) with its shape, and the same as a bias for the reference. */
  mask?: { data: number[]; shape: number[]; bool: boolean };
  cuSeqlens?: number[];
}

function setup(c: Case, seed = 1) {
  const b = c.b ?? 1;
  const h = c.h ?? 2;
  const hk = c.hk ?? h;
  const sk = c.sk ?? c.sq;
  const d = c.d ?? 8;
  const dv = c.dv ?? d;
  const q = testValues(b * h * c.sq * d, seed);
  const k = testValues(b * hk * sk * d, seed + 1);
  const v = testValues(b * hk * sk * dv, seed + 2);
  const dO = testValues(b * h * c.sq * dv, seed + 3);
  let bias: ReferenceCase['bias'];
  if (c.mask) {
    const { data, shape, bool } = c.mask;
    const full = [b, h, c.sq, sk];
    const lead = 4 - shape.length;
    bias = (...idx: number[]) => {
      let at = 0;
      for (let a = 0; a < shape.length; a++) at = at * shape[a] + (shape[a] === 1 ? 0 : idx[lead + a]);
      const x = data[at];
      return bool ? (x ? 0 : Number.NEGATIVE_INFINITY) : x;
    };
    expect(full.length).toBe(4);
  }
  let segment: number[] | undefined;
  if (c.cuSeqlens) {
    segment = [];
    for (let s = 0; s + 1 < c.cuSeqlens.length; s++)
      for (let i = c.cuSeqlens[s]; i < c.cuSeqlens[s + 1]; i++) segment.push(s);
  }
  const ref: ReferenceCase = {
    b,
    h,
    hk,
    sq: c.sq,
    sk,
    d,
    dv,
    q,
    k,
    v,
    scale: 1 / Math.sqrt(d),
    causal: c.causal,
    bias,
    segment,
  };
  return { ref, dO, expected: referenceAttention(ref, dO), shapes: { b, h, hk, sk, d, dv } };
}

/**
 * Runs the op under test on dtype and returns forward outputs and gradients as plain arrays, on a
 * CPU backend with `threads` threads (default: the machine's cores).
 */
function run(c: Case, dtype: DType, options: AttentionOptions, seed = 1, threads?: number) {
  const { ref, dO, expected, shapes } = setup(c, seed);
  const { b, h, hk, sk, d, dv } = shapes;
  const context = createContext(threads === undefined ? {} : { cpu: { threads } });
  const mk = (data: Float64Array, shape: number[]) => requiresGrad(tensor(data, shape, { dtype, context }));
  const q = mk(ref.q, [b, h, c.sq, d]);
  const k = mk(ref.k, [b, hk, sk, d]);
  const v = mk(ref.v, [b, hk, sk, dv]);
  const mask = c.mask
    ? tensor(c.mask.data, c.mask.shape, { dtype: c.mask.bool ? 'bool' : dtype, context })
    : undefined;
  const { output, lse } = scaledDotProductAttention(q, k, v, {
    causal: c.causal,
    mask,
    ...options,
    returnLse: true,
  });
  backward(output, { gradOutput: tensor(dO, output.shape, { dtype, context }) });
  const read = (t: Tensor | undefined) => Array.from(t!.dataSync() as ArrayLike<number>);
  return {
    expected,
    o: read(output),
    lse: read(lse),
    dq: read(q.grad),
    dk: read(k.grad),
    dv: read(v.grad),
  };
}

/** An f64 tensor of deterministic test values (for the finite-difference checks). */
function f64Values(shape: number[], seed: number, context: Context): Tensor {
  return tensor(
    testValues(
      shape.reduce((a, x) => a * x, 1),
      seed,
    ),
    shape,
    { dtype: 'f64', context },
  );
}

const CASES: [string, Case][] = [
  ['full, seq not a multiple of the tile', { b: 2, h: 2, sq: 37, sk: 45 }],
  ['causal, square', { h: 2, sq: 50, causal: true }],
  ['causal, sq < sk (bottom-right)', { h: 2, sq: 20, sk: 50, causal: true }],
  ['causal, sq > sk (first rows see nothing)', { h: 1, sq: 30, sk: 12, causal: true }],
  [
    'bool padding mask [b, 1, 1, sk]',
    {
      b: 2,
      h: 2,
      sq: 19,
      sk: 21,
      mask: paddingMask([21, 13], 21),
    },
  ],
  [
    'additive float mask [sq, sk]',
    {
      h: 2,
      sq: 18,
      sk: 23,
      mask: { data: Array.from(testValues(18 * 23, 9), (x) => x * 3), shape: [18, 23], bool: false },
    },
  ],
  ['grouped-query (4 heads, 2 kv heads)', { b: 2, h: 4, hk: 2, sq: 21, sk: 29, causal: true }],
  ['multi-query (4 heads, 1 kv head), dv ≠ d', { h: 4, hk: 1, sq: 17, d: 8, dv: 5 }],
  ['seq 1', { h: 2, sq: 1 }],
  ['one query, many keys, causal', { h: 2, sq: 1, sk: 33, causal: true }],
  [
    'fully masked rows',
    {
      h: 2,
      sq: 6,
      sk: 9,
      mask: {
        data: Array.from({ length: 54 }, (_, i) =>
          Math.floor(i / 9) === 2 || Math.floor(i / 9) === 5 ? 0 : 1,
        ),
        shape: [6, 9],
        bool: true,
      },
    },
  ],
];

// Small tiles so that every case spans several (ragged) blocks.
const SMALL_TILES: AttentionOptions = { blockSize: { q: 8, k: 16 } };

describe('flash attention on the CPU matches a naive f64 reference', () => {
  for (const [name, c] of CASES) {
    for (const simd of [true, false]) {
      it(`${name}: forward and backward within 1e-5 (f32, ${simd ? 'wasm SIMD' : 'JS'} tiles)`, () => {
        const r = run(c, 'f32', { strategy: 'flash', simd, ...SMALL_TILES });
        if (process.env.ATTENTION_REPORT) {
          const errs = (['o', 'lse', 'dq', 'dk', 'dv'] as const).map((key) =>
            relativeError(r[key], r.expected[key]),
          );
          console.log(`${name} (${simd ? 'simd' : 'js'}): ${errs.map((e) => e.toExponential(1)).join(' ')}`);
        }
        expect(relativeError(r.o, r.expected.o)).toBeLessThan(1e-5);
        expect(relativeError(r.lse, r.expected.lse)).toBeLessThan(1e-5);
        expect(relativeError(r.dq, r.expected.dq)).toBeLessThan(1e-5);
        expect(relativeError(r.dk, r.expected.dk)).toBeLessThan(1e-5);
        expect(relativeError(r.dv, r.expected.dv)).toBeLessThan(1e-5);
        for (const x of [...r.o, ...r.dq, ...r.dk, ...r.dv]) expect(Number.isNaN(x)).toBe(false);
      });
    }
  }

  it('f64 inputs are computed in f64 (1e-12)', () => {
    const r = run({ b: 2, h: 4, hk: 2, sq: 29, sk: 31, causal: true }, 'f64', {
      strategy: 'flash',
      ...SMALL_TILES,
    });
    for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) {
      expect(relativeError(r[key], r.expected[key])).toBeLessThan(1e-12);
    }
  });

  it('f16 and bf16 inputs run in f32 and round only the stored outputs', () => {
    for (const dtype of ['f16', 'bf16'] as const) {
      const r = run({ h: 2, hk: 1, sq: 20, sk: 27, causal: true }, dtype, {
        strategy: 'flash',
        ...SMALL_TILES,
      });
      const tol = dtype === 'f16' ? 2e-3 : 1.6e-2;
      expect(relativeError(r.o, r.expected.o)).toBeLessThan(tol);
      expect(relativeError(r.dv, r.expected.dv)).toBeLessThan(4 * tol);
    }
  });

  it('the default tiles (64 × 64) agree too', () => {
    const r = run({ h: 2, sq: 130, sk: 150, causal: true }, 'f32', { strategy: 'flash' });
    expect(relativeError(r.o, r.expected.o)).toBeLessThan(1e-5);
    expect(relativeError(r.dk, r.expected.dk)).toBeLessThan(1e-5);
  });

  it('fully masked rows give zeros, L = −∞ and zero gradients', () => {
    const r = run(CASES[10][1], 'f32', { strategy: 'flash' });
    for (const row of [2, 5, 8, 11]) {
      expect(r.lse[row]).toBe(Number.NEGATIVE_INFINITY);
      expect(r.o.slice(row * 8, row * 8 + 8)).toEqual(new Array(8).fill(0));
      expect(r.dq.slice(row * 8, row * 8 + 8)).toEqual(new Array(8).fill(0));
    }
  });

  it('the naive strategy matches the reference as well', () => {
    for (const [, c] of [CASES[1], CASES[4], CASES[6], CASES[10]]) {
      const r = run(c, 'f64', { strategy: 'naive' });
      for (const key of ['o', 'dq', 'dk', 'dv'] as const) {
        expect(relativeError(r[key], r.expected[key])).toBeLessThan(1e-10);
      }
    }
  });
});

// f32 calls without mask or dropout run whole in WebAssembly (forward and backward), shared out
// among the backend's threads once a call is big enough (here gh·sq·sk·d ≥ 2²⁰): the forward's
// query blocks, the backward's (batch, kv head) jobs. The cases above are smaller and run on the
// calling thread alone.
describe('the threaded WebAssembly forward and backward', () => {
  const big: [string, Case][] = [
    [
      'causal, ragged tiles, d and dv not multiples of 8',
      { h: 2, sq: 100, sk: 123, d: 67, dv: 35, causal: true },
    ],
    ['grouped-query, 6 heads on 2 kv heads', { b: 2, h: 6, hk: 2, sq: 90, sk: 98, d: 40 }],
  ];
  it('query blocks of a row count that is not a multiple of 4 (Q and P go into 4-row panels)', () => {
    const c: Case = { h: 2, sq: 45, sk: 61, d: 24, dv: 16 };
    for (const q of [7, 45, 50]) {
      const r = run(c, 'f32', { strategy: 'flash', blockSize: { q, k: 20 } }, 1, 2);
      expect(relativeError(r.o, r.expected.o)).toBeLessThan(1e-5);
      expect(relativeError(r.lse, r.expected.lse)).toBeLessThan(1e-5);
    }
  });
  for (const [name, c] of big) {
    for (const threads of [1, 2, 3]) {
      it(`${name}: within 1e-5 of the reference on ${threads} thread(s)`, () => {
        const r = run(c, 'f32', { strategy: 'flash', blockSize: { q: 16, k: 32 } }, 1, threads);
        expect(relativeError(r.o, r.expected.o)).toBeLessThan(1e-5);
        expect(relativeError(r.lse, r.expected.lse)).toBeLessThan(1e-5);
        expect(relativeError(r.dq, r.expected.dq)).toBeLessThan(1e-5);
        expect(relativeError(r.dk, r.expected.dk)).toBeLessThan(1e-5);
        expect(relativeError(r.dv, r.expected.dv)).toBeLessThan(1e-5);
      });
    }
  }

  it('a NaN in the inputs reaches the outputs of the rows that see it', () => {
    const context = createContext({ cpu: { threads: 2 } });
    const [sq, d] = [80, 16];
    const qd = testValues(2 * sq * d, 1);
    const kd = testValues(2 * sq * d, 2);
    kd[d * 5] = Number.NaN; // key 5 of head 0
    const q = tensor(qd, [1, 2, sq, d], { context });
    const k = tensor(kd, [1, 2, sq, d], { context });
    const v = tensor(testValues(2 * sq * d, 3), [1, 2, sq, d], { context });
    const o = scaledDotProductAttention(q, k, v, { causal: true }).dataSync();
    // Causal: rows 0–4 of head 0 never see key 5, rows 5… do; head 1 is clean.
    for (let i = 0; i < sq; i++) {
      expect(Number.isNaN(o[i * d])).toBe(i >= 5);
      expect(Number.isNaN(o[(sq + i) * d])).toBe(false);
    }
  });
});

describe('variable-length packed sequences (cuSeqlens)', () => {
  const cuSeqlens = [0, 3, 8, 12];
  for (const causal of [false, true]) {
    it(`[1, h, total, d] layout is block-diagonal${causal ? ', causal within each sequence' : ''}`, () => {
      const r = run({ h: 2, sq: 12, cuSeqlens, causal }, 'f32', {
        strategy: 'flash',
        cuSeqlens,
        blockSize: { q: 4, k: 4 },
      });
      for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) {
        expect(relativeError(r[key], r.expected[key])).toBeLessThan(1e-5);
      }
    });
  }

  it('packed [total, heads, dim] layout gives the same as [1, heads, total, dim]', () => {
    const context = createContext();
    const [total, h, d] = [12, 3, 4];
    const data = (s: number) => tensor(testValues(total * h * d, s), [total, h, d], { context });
    const [q, k, v] = [data(1), data(2), data(3)];
    const packed = scaledDotProductAttention(q, k, v, { cuSeqlens, causal: true });
    expect(packed.shape).toEqual([total, h, d]);
    const toHeads = (t: Tensor) => t.permute([1, 0, 2]).unsqueeze(0);
    const batched = scaledDotProductAttention(toHeads(q), toHeads(k), toHeads(v), {
      cuSeqlens,
      causal: true,
    });
    expect(relativeError(toHeads(packed).contiguous().dataSync(), batched.dataSync())).toBe(0);
  });

  it('a query block whose later rows start a sequence past the current key tile (default 64×64 tiles)', () => {
    // Rows 100… of the block 64–127 start a sequence whose keys begin 36 columns into tile 64–127,
    // and rows 150… one that begins in the next tile: their masked columns must stay inside the row.
    const lens = [0, 100, 150, 230, 240, 300];
    for (const causal of [false, true]) {
      const r = run({ h: 2, sq: 300, d: 4, cuSeqlens: lens, causal }, 'f32', {
        strategy: 'flash',
        cuSeqlens: lens,
      });
      for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) {
        expect(relativeError(r[key], r.expected[key])).toBeLessThan(1e-5);
      }
    }
  });

  it('sequences of length 0 are allowed', () => {
    const r = run({ h: 1, sq: 5, cuSeqlens: [0, 2, 2, 5] }, 'f32', { cuSeqlens: [0, 2, 2, 5] });
    expect(relativeError(r.o, r.expected.o)).toBeLessThan(1e-5);
  });
});

describe('flash gradients against finite differences (checkGrad, f64)', () => {
  it('causal grouped-query attention with an additive mask', async () => {
    const context = createContext();
    const mk = (shape: number[], seed: number) => f64Values(shape, seed, context);
    const q = mk([1, 4, 5, 3], 1);
    const k = mk([1, 2, 7, 3], 2);
    const v = mk([1, 2, 7, 2], 3);
    const mask = mk([5, 7], 4);
    const report = await checkGrad(
      (a, b, c) => scaledDotProductAttention(a, b, c, { causal: true, mask, blockSize: { q: 2, k: 3 } }),
      [q, k, v],
    );
    expect(report.ok).toBe(true);
  });

  it('the row logsumexp output is differentiable too', async () => {
    const context = createContext();
    const mk = (shape: number[], seed: number) => f64Values(shape, seed, context);
    const report = await checkGrad(
      (a, b, c) => {
        const { output, lse } = scaledDotProductAttention(a, b, c, {
          returnLse: true,
          blockSize: { q: 2, k: 2 },
        });
        return [output, lse];
      },
      [mk([1, 2, 4, 3], 5), mk([1, 2, 5, 3], 6), mk([1, 2, 5, 3], 7)],
    );
    expect(report.ok).toBe(true);
  });
});

describe('dropout', () => {
  it('flash and naive draw the same mask from the seed, and the backward regenerates it', async () => {
    const build = (strategy: 'flash' | 'naive') => {
      const context = createContext();
      const mk = (shape: number[], s: number) =>
        requiresGrad(
          tensor(
            testValues(
              shape.reduce((a, x) => a * x, 1),
              s,
            ),
            shape,
            { dtype: 'f64', context },
          ),
        );
      const [q, k, v] = [mk([2, 2, 9, 4], 1), mk([2, 2, 11, 4], 2), mk([2, 2, 11, 4], 3)];
      const o = scaledDotProductAttention(q, k, v, {
        dropout: 0.3,
        causal: true,
        strategy,
        blockSize: { q: 4, k: 4 },
      });
      backward(o.sum());
      return [o, q.grad!, k.grad!, v.grad!].map((t) => Array.from(t.dataSync() as Float64Array));
    };
    const flash = build('flash');
    const naive = build('naive');
    for (let i = 0; i < 4; i++) expect(relativeError(flash[i], naive[i])).toBeLessThan(1e-12);
    const context = createContext();
    const mk = (shape: number[], seed: number) => f64Values(shape, seed, context);
    const q = mk([1, 1, 4, 3], 1);
    const k = mk([1, 1, 6, 3], 2);
    const v = mk([1, 1, 6, 3], 3);
    // checkGrad re-evaluates f many times: fix the mask by reseeding before each call.
    const report = await checkGrad(
      (a, b, c) => {
        context.rng.seed(42);
        return scaledDotProductAttention(a, b, c, { dropout: 0.5 });
      },
      [q, k, v],
    );
    expect(report.ok).toBe(true);
  });
});

describe('dropout draws', () => {
  it('drop about p of the weights, the same ones for the same seed', () => {
    const context = createContext();
    const ones = tensor(new Float32Array(64 * 4).fill(1), [1, 1, 64, 4], { dtype: 'f32', context });
    // With equal scores every weight is 1/64: the output is (kept count)/(64·(1 − p)).
    const draw = (seed: number) => {
      context.rng.seed(seed);
      return Array.from(
        scaledDotProductAttention(ones, ones, ones, { dropout: 0.25 }).dataSync() as Float32Array,
      );
    };
    const a = draw(3);
    const kept = a.filter((_, i) => i % 4 === 0).map((x) => Math.round(x * 64 * 0.75));
    const mean = kept.reduce((s, x) => s + x, 0) / kept.length / 64;
    expect(mean).toBeGreaterThan(0.65);
    expect(mean).toBeLessThan(0.85);
    expect(draw(3)).toEqual(a);
    expect(draw(4)).not.toEqual(a);
  });
});

describe('memory', () => {
  it('flash keeps no sq × sk scores: peak bytes under 10% of the naive path at seq 1024', () => {
    const context = createContext();
    const [h, s, d] = [2, 1024, 16];
    const mk = (seed: number) => tensor(testValues(h * s * d, seed), [1, h, s, d], { dtype: 'f32', context });
    const [q, k, v] = [mk(1), mk(2), mk(3)];
    const peak = (strategy: 'flash' | 'naive') => {
      resetPeakMemory(context);
      const before = memory(context).bytes;
      tidy(() => {
        scaledDotProductAttention(q, k, v, { causal: true, strategy });
      }, context);
      return memory(context).peakBytes - before;
    };
    const flash = peak('flash');
    const naive = peak('naive');
    if (process.env.ATTENTION_REPORT) console.log(`peak bytes at seq ${s}: flash ${flash}, naive ${naive}`);
    expect(flash).toBeLessThan(0.1 * naive);
    expect(flash).toBeLessThanOrEqual(h * s * d * 4 + h * s * 4);
  });
});

describe('errors name the op and the shapes before any work', () => {
  const context = createContext();
  const z = (shape: number[]) =>
    tensor(new Float32Array(shape.reduce((a, x) => a * x, 1)), shape, { context });
  it('head dims', () => {
    expect(() =>
      scaledDotProductAttention(z([2, 8, 128, 64]), z([2, 4, 128, 32]), z([2, 4, 128, 32])),
    ).toThrow(
      'scaledDotProductAttention: q [2, 8, 128, 64] vs k [2, 4, 128, 32]: head dims differ (64 vs 32)',
    );
  });
  it('heads not a multiple of kv heads', () => {
    expect(() => scaledDotProductAttention(z([1, 6, 4, 8]), z([1, 4, 4, 8]), z([1, 4, 4, 8]))).toThrow(
      'query heads (6) must be a multiple of kv heads (4)',
    );
  });
  it('masks that do not broadcast, bad cuSeqlens, kvHeads, dropout', () => {
    const [q, k] = [z([1, 2, 4, 8]), z([1, 2, 5, 8])];
    expect(() => scaledDotProductAttention(q, k, k, { mask: z([4, 4]) })).toThrow(
      'mask [4, 4] is not broadcastable to [1, 2, 4, 5]',
    );
    expect(() => scaledDotProductAttention(q, q, q, { cuSeqlens: [0, 3, 5] })).toThrow(
      'cuSeqlens must rise from 0 to the packed length 4',
    );
    expect(() => scaledDotProductAttention(q, k, k, { kvHeads: 1 })).toThrow(
      'kvHeads is 1 but k [1, 2, 5, 8]',
    );
    expect(() => scaledDotProductAttention(q, k, k, { dropout: 1 })).toThrow('dropout must be in [0, 1)');
  });
});
