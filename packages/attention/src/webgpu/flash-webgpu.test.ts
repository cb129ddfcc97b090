import { backward, requiresGrad } from '@tessera/autograd';
import { createContext, manualSeed, memory, resetPeakMemory, type Tensor, tensor } from '@tessera/core';
import { initWebGPU, readMany } from '@tessera/webgpu';
import { type TestDevice, testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { MultiHeadAttention } from '../multi-head-attention.js';
import { type AttentionOptions, scaledDotProductAttention } from '../scaled-dot-product-attention.js';
import {
  paddingMask,
  type ReferenceCase,
  referenceAttention,
  relativeError,
  testValues,
} from '../testing/reference.js';
import { chooseFlashForward } from './flash-forward-wgsl.js';

const gpu = await testDevice('@tessera/attention WebGPU tests');
const gpuIt = it.skipIf('skip' in gpu);
/** f16 tensors live on WebGPU only where the device has `shader-f16` (lavapipe does). */
const f16It = it.skipIf('skip' in gpu || !gpu.backend.dtypes.includes('f16'));
/** The same adapter with the real-GPU kernels forced, so a software adapter tests both forward variants. */
const tiledGpu: TestDevice | null =
  'skip' in gpu
    ? null
    : await (async () => {
        const ctx = createContext();
        return { ctx, backend: await initWebGPU({ context: ctx, adapterClass: 'gpu' }) };
      })();
/** The same adapter without subgroups: on a software adapter, the plain 'lockstep' forward. */
const plainGpu: TestDevice | null =
  'skip' in gpu
    ? null
    : await (async () => {
        const ctx = createContext();
        return { ctx, backend: await initWebGPU({ context: ctx, subgroups: false }) };
      })();

interface Case {
  b?: number;
  h?: number;
  hk?: number;
  sq: number;
  sk?: number;
  d?: number;
  dv?: number;
  causal?: boolean;
  mask?: { data: number[]; shape: number[]; bool: boolean };
  /** K and V as last-axis slices [..., 1:] of wider tensors: offset 1, rows not vec4-aligned. */
  unaligned?: boolean;
  /** Packed variable-length sequences (batch 1, sk = sq): cumulative offsets. */
  cuSeqlens?: number[];
  /** With cuSeqlens: the packed [total, heads, dim] layout instead of [1, heads, total, dim]. */
  packed?: boolean;
}

/** [heads, s, n] ↔ [s, heads, n] (the packed varlen layout), on flat data. */
function swapHeadsSeq(data: ArrayLike<number>, heads: number, s: number, n: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let a = 0; a < heads; a++) {
    for (let i = 0; i < s; i++) {
      for (let c = 0; c < n; c++) out[(i * heads + a) * n + c] = data[(a * s + i) * n + c];
    }
  }
  return out;
}

type Results = Record<'o' | 'lse' | 'dq' | 'dk' | 'dv', ArrayLike<number>>;

/**
 * Runs flash forward and backward with inputs of `dtype` on `device` (through `on`'s context) and
 * the f64 reference on the same values; returns both, in the reference's [b, h, s, n] layout.
 */
async function attend(
  c: Case,
  options: AttentionOptions,
  on: TestDevice,
  dtype: 'f32' | 'f16' = 'f32',
  device: 'webgpu' | 'cpu' = 'webgpu',
): Promise<{ got: Results; expected: Results }> {
  const { ctx } = on;
  const b = c.b ?? 1;
  const h = c.h ?? 2;
  const hk = c.hk ?? h;
  const sk = c.sk ?? c.sq;
  const d = c.d ?? 8;
  const dv = c.dv ?? d;
  const seed = 3;
  const q0 = testValues(b * h * c.sq * d, seed);
  const k0 = testValues(b * hk * sk * d, seed + 1);
  const v0 = testValues(b * hk * sk * dv, seed + 2);
  const dO = testValues(b * h * c.sq * dv, seed + 3);
  let bias: ReferenceCase['bias'];
  if (c.mask) {
    const { data, shape, bool } = c.mask;
    const lead = 4 - shape.length;
    bias = (...idx: number[]) => {
      let at = 0;
      for (let a = 0; a < shape.length; a++) at = at * shape[a] + (shape[a] === 1 ? 0 : idx[lead + a]);
      const x = data[at];
      return bool ? (x ? 0 : Number.NEGATIVE_INFINITY) : x;
    };
  }
  const ref: ReferenceCase = {
    b,
    h,
    hk,
    sq: c.sq,
    sk,
    d,
    dv,
    q: q0,
    k: k0,
    v: v0,
    scale: 1 / Math.sqrt(d),
    causal: c.causal,
    bias,
    segment: c.cuSeqlens?.flatMap((x, s, cu) => Array.from({ length: (cu[s + 1] ?? x) - x }, () => s)),
  };
  const expected = referenceAttention(ref, dO);
  const mk = (data: Float64Array, shape: number[]) =>
    requiresGrad(tensor(data, shape, { dtype, context: ctx, device }));
  /** A leaf and the view attention reads: the leaf itself, or its columns 1.. when unaligned. */
  const mkView = (data: Float64Array, shape: number[]) => {
    if (!c.unaligned) {
      const leaf = mk(data, shape);
      return { leaf, view: leaf, grad: () => leaf.grad as Tensor };
    }
    const n = shape[3];
    const wide = new Float64Array((data.length / n) * (n + 1));
    for (let r = 0; r < data.length / n; r++) wide.set(data.subarray(r * n, (r + 1) * n), r * (n + 1) + 1);
    const leaf = mk(wide, [...shape.slice(0, 3), n + 1]);
    return { leaf, view: leaf.slice(3, 1), grad: () => (leaf.grad as Tensor).slice(3, 1) };
  };
  /** Packed layout: leaves [s, heads, n], filled from (and read back to) the reference's [heads, s, n]. */
  const mkPacked = (data: Float64Array, heads: number, s: number, n: number) => {
    const leaf = mk(swapHeadsSeq(data, heads, s, n), [s, heads, n]);
    return { leaf, view: leaf, grad: () => leaf.grad as Tensor };
  };
  const q = c.packed ? mkPacked(q0, h, c.sq, d) : { leaf: mk(q0, [b, h, c.sq, d]) };
  const kk = c.packed ? mkPacked(k0, hk, sk, d) : mkView(k0, [b, hk, sk, d]);
  const vv = c.packed ? mkPacked(v0, hk, sk, dv) : mkView(v0, [b, hk, sk, dv]);
  const [k, v] = [kk.view, vv.view];
  const mask = c.mask
    ? tensor(c.mask.data, c.mask.shape, { dtype: c.mask.bool ? 'bool' : dtype, context: ctx, device })
    : undefined;
  const { output, lse } = scaledDotProductAttention(q.leaf, k, v, {
    causal: c.causal,
    mask,
    cuSeqlens: c.cuSeqlens,
    strategy: 'flash',
    ...options,
    returnLse: true,
  });
  const gradOutput = c.packed ? swapHeadsSeq(dO, h, c.sq, dv) : dO;
  backward(output, { gradOutput: tensor(gradOutput, output.shape, { dtype, context: ctx, device }) });
  const outs = [output, lse, q.leaf.grad as Tensor, kk.grad(), vv.grad()];
  const read =
    device === 'webgpu'
      ? await readMany(outs)
      : outs.map((t) => Float64Array.from(t.dataSync() as ArrayLike<number>));
  const [o, l, dq, dk, dvv] = c.packed
    ? [
        swapHeadsSeq(read[0], c.sq, h, dv),
        read[1],
        swapHeadsSeq(read[2], c.sq, h, d),
        swapHeadsSeq(read[3], sk, hk, d),
        swapHeadsSeq(read[4], sk, hk, dv),
      ]
    : read;
  for (const t of [q.leaf, kk.leaf, vv.leaf, output, lse, mask]) t?.dispose();
  return { got: { o, lse: l, dq, dk, dv: dvv }, expected };
}

/** The relative error of each result against another run's (the reference's by default). */
function errors(got: Results, expected: Results): Record<keyof Results, number> {
  return {
    o: relativeError(got.o, expected.o),
    lse: relativeError(got.lse, expected.lse),
    dq: relativeError(got.dq, expected.dq),
    dk: relativeError(got.dk, expected.dk),
    dv: relativeError(got.dv, expected.dv),
  };
}

/** Runs flash on WebGPU (f32) and the f64 reference; returns the relative errors. */
async function compare(c: Case, options: AttentionOptions = {}, on: TestDevice = gpu as TestDevice) {
  const { got, expected } = await attend(c, options, on);
  return errors(got, expected);
}

/** Packed variable-length sequences, with sequences of length 0 and 1 and ones crossing tiles. */
const CU = [0, 3, 8, 8, 9, 30, 31, 45];
/** 130 sequences of lengths 0–3: more than one launch of the key-ranges pass (60 per launch). */
const MANY = Array.from({ length: 131 }, (_, s) =>
  Array.from({ length: s }, (_, t) => t % 4).reduce((a, x) => a + x, 0),
);
const VARLEN_CASES: [string, Case][] = [
  ['varlen [1, h, total, d], lengths 3, 5, 0, 1, 21, 1, 14', { h: 2, sq: 45, cuSeqlens: CU }],
  ['varlen, causal within each sequence', { h: 2, sq: 45, cuSeqlens: CU, causal: true }],
  [
    'varlen packed [total, heads, dim], causal, grouped-query',
    { h: 4, hk: 2, sq: 45, cuSeqlens: CU, causal: true, packed: true },
  ],
  ['varlen packed [total, heads, dim], head dim 64', { h: 2, sq: 45, d: 64, cuSeqlens: CU, packed: true }],
  ['varlen, one sequence of length 1', { h: 2, sq: 1, cuSeqlens: [0, 1], causal: true }],
  ['varlen, 130 sequences of lengths 0–3, causal', { h: 1, sq: MANY[130], cuSeqlens: MANY, causal: true }],
  [
    'varlen with a bool mask, head dim 6',
    {
      h: 2,
      sq: 45,
      d: 6,
      cuSeqlens: CU,
      mask: { data: Array.from({ length: 45 }, (_, j) => (j % 5 === 2 ? 0 : 1)), shape: [45], bool: true },
    },
  ],
];

const CASES: [string, Case][] = [
  ['full, seq not a multiple of the tile (37 × 45), batch 2', { b: 2, h: 2, sq: 37, sk: 45 }],
  ['causal, seq 70', { h: 2, sq: 70, causal: true, d: 16 }],
  ['causal, sq < sk (bottom-right)', { h: 2, sq: 20, sk: 50, causal: true }],
  ['causal, sq > sk (first rows see nothing)', { h: 1, sq: 30, sk: 12, causal: true }],
  [
    'bool padding mask [b, 1, 1, sk]',
    {
      b: 2,
      h: 2,
      sq: 19,
      sk: 37,
      mask: paddingMask([37, 13], 37),
    },
  ],
  [
    'additive float mask [sq, sk], causal',
    {
      h: 2,
      sq: 18,
      sk: 40,
      causal: true,
      mask: { data: Array.from(testValues(18 * 40, 9), (x) => x * 3), shape: [18, 40], bool: false },
    },
  ],
  ['grouped-query (4 heads, 2 kv heads), causal', { b: 2, h: 4, hk: 2, sq: 37, sk: 70, causal: true }],
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
  ['head dim 64', { h: 1, sq: 45, d: 64, causal: true }],
  ['head dim 6 (not a multiple of 4), causal', { h: 2, sq: 21, d: 6, causal: true }],
  ['head dim 32, grouped-query, sk not a multiple of 8', { h: 4, hk: 2, sq: 33, sk: 41, d: 32 }],
  ['head dim 72 (18 vec4), causal, odd seq', { h: 2, sq: 29, d: 72, causal: true }],
  [
    'head dim 6, bool mask, sq > sk',
    {
      h: 2,
      sq: 13,
      sk: 11,
      d: 6,
      mask: { data: Array.from({ length: 11 }, (_, j) => (j % 3 === 1 ? 0 : 1)), shape: [11], bool: true },
    },
  ],
  [
    'K, V rows not vec4-aligned (offset 1, row stride 9), GQA',
    { h: 4, hk: 2, sq: 19, sk: 23, unaligned: true },
  ],
  ...VARLEN_CASES,
];

/** f32 results within 1e-5 relative of the f64 reference (and so of the CPU kernels), as on the CPU. */
const TOL = 1e-5;

describe('flash attention on WebGPU (WGSL kernels) vs the f64 reference', () => {
  for (const [name, c] of CASES) {
    gpuIt(name, async () => {
      const err = await compare(c);
      console.log(`${name}: ${JSON.stringify(err)}`);
      for (const [what, e] of Object.entries(err)) {
        expect(e, `${name}: ${what} relative error ${e}`).toBeLessThan(TOL);
      }
    });
  }

  // On a software adapter the cases above run the 'lockstep' forward; these run the real-GPU
  // 'tiled' one on the same adapter (on a real GPU both suites run 'tiled').
  for (const [name, c] of CASES.filter(([, c]) => c.mask || c.hk !== undefined || c.cuSeqlens)) {
    gpuIt(`tiled kernel: ${name}`, async () => {
      const err = await compare(c, {}, tiledGpu as TestDevice);
      for (const [what, e] of Object.entries(err)) {
        expect(e, `${name}: ${what} relative error ${e}`).toBeLessThan(TOL);
      }
    });
  }

  // With subgroups a software adapter runs the 'subgroup' forward above; these run the plain
  // 'lockstep' one (on a real GPU, 'tiled' again).
  for (const [name, c] of CASES.filter(
    ([, c]) => c.mask || c.hk !== undefined || c.d !== undefined || c.cuSeqlens,
  )) {
    gpuIt(`without subgroups: ${name}`, async () => {
      const err = await compare(c, {}, plainGpu as TestDevice);
      for (const [what, e] of Object.entries(err)) {
        expect(e, `${name}: ${what} relative error ${e}`).toBeLessThan(TOL);
      }
    });
  }

  gpuIt('the forward kernel follows the adapter class and its subgroups', () => {
    const { backend } = gpu as TestDevice;
    const plain = (plainGpu as TestDevice).backend;
    expect(chooseFlashForward((tiledGpu as TestDevice).backend)).toBe('tiled');
    expect(plain.subgroupSize).toBeUndefined();
    if (backend.adapterClass === 'software') {
      expect(chooseFlashForward(plain)).toBe('lockstep');
      expect(chooseFlashForward(backend)).toBe((backend.subgroupSize ?? 0) >= 8 ? 'subgroup' : 'lockstep');
    }
  });

  for (const blockSize of [
    { q: 4, k: 3 },
    { q: 20, k: 8 },
    { q: 64, k: 16 },
  ]) {
    gpuIt(`blockSize ${blockSize.q} × ${blockSize.k}, head dim 64, causal`, async () => {
      const err = await compare({ h: 2, hk: 1, sq: 37, sk: 45, d: 64, causal: true }, { blockSize });
      for (const e of Object.values(err)) expect(e).toBeLessThan(TOL);
    });
  }

  // Tiny tiles: many row blocks straddle sequences and many key blocks are skipped, on every kernel.
  for (const [kernel, on] of [
    ['default', gpu],
    ['tiled', tiledGpu],
    ['without subgroups', plainGpu],
  ] as const) {
    for (const causal of [false, true]) {
      gpuIt(`varlen${causal ? ', causal' : ''}, blockSize 4 × 3, ${kernel} kernel`, async () => {
        const c = { h: 2, hk: 1, sq: 45, cuSeqlens: CU, causal };
        const err = await compare(c, { blockSize: { q: 4, k: 3 } }, on as TestDevice);
        for (const [what, e] of Object.entries(err))
          expect(e, `${what} relative error ${e}`).toBeLessThan(TOL);
      });
    }
  }

  gpuIt('small tiles (blockSize 4 × 3) give the same answer', async () => {
    const err = await compare({ h: 2, hk: 1, sq: 23, sk: 29, causal: true }, { blockSize: { q: 4, k: 3 } });
    for (const e of Object.values(err)) expect(e).toBeLessThan(TOL);
  });

  gpuIt('strided (permuted) inputs and a gradient into L match the CPU flash kernels', async () => {
    const { ctx } = gpu as TestDevice;
    const [b, s, h, hk, d] = [2, 33, 4, 2, 8];
    const run = async (device: 'cpu' | 'webgpu') => {
      // [b, s, heads, d] → permute to [b, heads, s, d]: non-contiguous views, as in MultiHeadAttention.
      const mk = (heads: number, seed: number) =>
        requiresGrad(
          tensor(testValues(b * s * heads * d, seed), [b, s, heads, d], {
            dtype: 'f32',
            context: ctx,
            device,
          }),
        );
      const [q, k, v] = [mk(h, 1), mk(hk, 2), mk(hk, 3)];
      const { output, lse } = scaledDotProductAttention(
        q.permute([0, 2, 1, 3]),
        k.permute([0, 2, 1, 3]),
        v.permute([0, 2, 1, 3]),
        {
          causal: true,
          returnLse: true,
          strategy: 'flash',
        },
      );
      const w = tensor(testValues(b * h * s, 7), [b, h, s], { dtype: 'f32', context: ctx, device });
      backward(output.square().sum().add(lse.mul(w).sum()));
      const ts = [output, lse, q.grad as Tensor, k.grad as Tensor, v.grad as Tensor];
      return device === 'cpu' ? ts.map((t) => t.dataSync() as Float32Array) : readMany(ts);
    };
    const cpu = await run('cpu');
    const gpuOut = await run('webgpu');
    cpu.forEach((c, i) => {
      expect(relativeError(gpuOut[i], c), `output ${i}`).toBeLessThan(TOL);
    });
  });

  gpuIt(
    'MultiHeadAttention (GQA, rotary, causal) on webgpu matches the CPU, forward and backward',
    async () => {
      const { ctx } = gpu as TestDevice;
      const build = () => {
        manualSeed(5, ctx);
        return new MultiHeadAttention(32, { heads: 4, kvHeads: 2, causal: true, rotary: true, context: ctx });
      };
      const xData = testValues(2 * 21 * 32, 11);
      const run = async (device: 'cpu' | 'webgpu') => {
        const mha = build();
        if (device === 'webgpu') mha.to('webgpu');
        const x = requiresGrad(tensor(xData, [2, 21, 32], { dtype: 'f32', context: ctx, device }));
        const y = mha.forward(x);
        backward(y.square().mean());
        const ts = [y, x.grad as Tensor];
        return device === 'cpu' ? ts.map((t) => t.dataSync() as Float32Array) : readMany(ts);
      };
      const cpu = await run('cpu');
      const gpuOut = await run('webgpu');
      cpu.forEach((c, i) => {
        expect(relativeError(gpuOut[i], c), `output ${i}`).toBeLessThan(TOL);
      });
    },
  );

  gpuIt(
    "'auto' picks the WGSL kernels on webgpu, varlen included; dropout is CPU-only for 'flash'",
    async () => {
      const { ctx } = gpu as TestDevice;
      const mk = () =>
        tensor(testValues(2 * 8 * 4, 1), [1, 2, 8, 4], { dtype: 'f32', context: ctx, device: 'webgpu' });
      const [q, k, v] = [mk(), mk(), mk()];
      const flash = scaledDotProductAttention(q, k, v, { strategy: 'flash' });
      const auto = scaledDotProductAttention(q, k, v);
      const [a, f] = await readMany([auto, flash]);
      expect(Array.from(a)).toEqual(Array.from(f));
      expect(() => scaledDotProductAttention(q, k, v, { strategy: 'flash', dropout: 0.1 })).toThrow(
        /dropout has no webgpu flash kernel/,
      );
      // 'auto' runs dropout on the naive path instead.
      const naive = scaledDotProductAttention(q, k, v, { dropout: 0.1 });
      expect(naive.device).toBe('webgpu');
      const cuSeqlens = [0, 3, 8];
      const varlenFlash = scaledDotProductAttention(q, k, v, { strategy: 'flash', cuSeqlens, causal: true });
      const varlenAuto = scaledDotProductAttention(q, k, v, { cuSeqlens, causal: true });
      const [vf, va] = await readMany([varlenFlash, varlenAuto]);
      expect(Array.from(va)).toEqual(Array.from(vf));
    },
  );

  f16It("'auto' picks the WGSL kernels for f16 on webgpu: f16 O, f32 L", async () => {
    const { ctx } = gpu as TestDevice;
    const mk = (device: string) =>
      tensor(testValues(2 * 8 * 4, 1), [1, 2, 8, 4], { dtype: 'f16', context: ctx, device });
    const [q, k, v] = [mk('webgpu'), mk('webgpu'), mk('webgpu')];
    const flash = scaledDotProductAttention(q, k, v, { strategy: 'flash', causal: true, returnLse: true });
    const auto = scaledDotProductAttention(q, k, v, { causal: true });
    expect([flash.output.dtype, flash.lse.dtype, auto.dtype]).toEqual(['f16', 'f32', 'f16']);
    const [a, f] = await readMany([auto, flash.output]);
    expect(Array.from(a)).toEqual(Array.from(f));
    const c = mk('cpu');
    const ref = scaledDotProductAttention(c, c, c, { causal: true, strategy: 'flash' }).dataSync();
    expect(relativeError(a, ref)).toBeLessThan(F16_VS_CPU);
  });
});

/**
 * f16 q, k, v (and additive mask): the kernels read f16, compute in f32 and round O, dQ, dK, dV
 * once, as the CPU flash kernels do. Tolerances as in the CPU's f16 test (flash.test.ts).
 */
const F16_TOL = 2e-3;
/** WebGPU against the CPU flash on the same f16 inputs: within one f16 ulp of the largest value. */
const F16_VS_CPU = 1e-3;

const F16_CASES: [string, Case][] = [
  ['causal, seq 70, head dim 16', { h: 2, sq: 70, causal: true, d: 16 }],
  [
    'grouped-query (4 heads, 2 kv heads), causal, batch 2',
    { b: 2, h: 4, hk: 2, sq: 37, sk: 70, causal: true },
  ],
  [
    'additive f16 mask [sq, sk], causal',
    {
      h: 2,
      sq: 18,
      sk: 40,
      causal: true,
      mask: { data: Array.from(testValues(18 * 40, 9), (x) => x * 3), shape: [18, 40], bool: false },
    },
  ],
  CASES.find(([name]) => name === 'bool padding mask [b, 1, 1, sk]') as [string, Case],
  ['head dim 64, causal', { h: 1, sq: 45, d: 64, causal: true }],
  ['head dim 6 (not a multiple of 4), causal', { h: 2, sq: 21, d: 6, causal: true }],
  ['varlen, causal within each sequence', { h: 2, sq: 45, cuSeqlens: CU, causal: true }],
  [
    'varlen packed [total, heads, dim], grouped-query, causal',
    { h: 4, hk: 2, sq: 45, cuSeqlens: CU, causal: true, packed: true },
  ],
];

describe('flash attention on WebGPU with f16 inputs (f32 accumulation)', () => {
  for (const [kernel, on] of [
    ['default', gpu],
    ['tiled', tiledGpu],
    ['without subgroups', plainGpu],
  ] as const) {
    for (const [name, c] of F16_CASES) {
      f16It(`${kernel} kernel: ${name}`, async () => {
        const gpuRun = await attend(c, {}, on as TestDevice, 'f16');
        const cpuRun = await attend(c, {}, on as TestDevice, 'f16', 'cpu');
        const vsRef = errors(gpuRun.got, gpuRun.expected);
        const vsCpu = errors(gpuRun.got, cpuRun.got);
        console.log(
          `f16 ${kernel}: ${name}: vs f64 ${JSON.stringify(vsRef)}, vs cpu ${JSON.stringify(vsCpu)}`,
        );
        for (const [what, e] of Object.entries(vsRef)) {
          const tol = what === 'o' || what === 'lse' ? F16_TOL : 4 * F16_TOL;
          expect(e, `${what} relative error ${e} against the f64 reference`).toBeLessThan(tol);
        }
        for (const [what, e] of Object.entries(vsCpu)) {
          expect(e, `${what} relative error ${e} against the CPU flash`).toBeLessThan(F16_VS_CPU);
        }
      });
    }
  }
});

describe('flash attention on WebGPU: memory', () => {
  gpuIt(
    'seq 4096: flash allocates no N×N buffer, forward or backward (< 10% of the naive peak)',
    async () => {
      const { ctx, backend } = gpu as TestDevice;
      const n = 4096;
      const h = 1;
      const d = 32;
      /** Peak growth of the webgpu device's tensor bytes over the inputs while running `fn`. */
      const peak = async (strategy: 'flash' | 'naive', withBackward: boolean) => {
        const mk = (seed: number) =>
          requiresGrad(
            tensor(testValues(h * n * d, seed), [1, h, n, d], {
              dtype: 'f32',
              context: ctx,
              device: 'webgpu',
            }),
          );
        const [q, k, v] = [mk(1), mk(2), mk(3)];
        await backend.sync();
        const before = memory(ctx).devices.webgpu.bytes;
        resetPeakMemory(ctx);
        const out = scaledDotProductAttention(q, k, v, { causal: true, strategy });
        if (withBackward) backward(out.sum());
        const growth = memory(ctx).devices.webgpu.peakBytes - before;
        const [o, dq] = await readMany(withBackward ? [out, q.grad as Tensor] : [out, out]);
        expect(Number.isFinite(o[o.length - 1]) && Number.isFinite(dq[dq.length - 1])).toBe(true);
        for (const t of [q, k, v, out, q.grad, k.grad, v.grad]) t?.dispose();
        return growth;
      };
      const flash = await peak('flash', false);
      const flashBackward = await peak('flash', true);
      // The naive forward at 4096 is measured (about 5 s on lavapipe); its backward is not run. It
      // must hold at least one [b, h, N, N] f32 score tensor, 4·h·N² bytes = 64 MiB.
      const naive = await peak('naive', false);
      console.log(
        `peak growth at N = ${n}, h = ${h}, d = ${d}, causal: flash forward ${flash} B, ` +
          `flash forward + backward ${flashBackward} B, naive forward ${naive} B ` +
          `(ratio ${(flash / naive).toExponential(2)}, ${(flashBackward / naive).toExponential(2)})`,
      );
      expect(naive).toBeGreaterThanOrEqual(4 * h * n * n);
      expect(flash).toBeLessThan(0.1 * naive);
      expect(flashBackward).toBeLessThan(0.1 * naive);
      // The flash forward holds only its outputs: O [1, h, N, d] and L [1, h, N], f32.
      expect(flash).toBeLessThanOrEqual(4 * h * n * (d + 1) * 1.5);
    },
    90_000,
  );
});
