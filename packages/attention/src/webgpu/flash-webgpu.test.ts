import { backward, requiresGrad } from '@tessera/autograd';
import { createContext, manualSeed, memory, resetPeakMemory, type Tensor, tensor } from '@tessera/core';
import { initWebGPU, readMany } from '@tessera/webgpu';
import { type TestDevice, testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { MultiHeadAttention } from '../multi-head-attention.js';
import { type AttentionOptions, scaledDotProductAttention } from '../scaled-dot-product-attention.js';
import { type ReferenceCase, referenceAttention, relativeError, testValues } from '../testing/reference.js';
import { chooseFlashForward } from './flash-forward-wgsl.js';

const gpu = await testDevice('@tessera/attention WebGPU tests');
const gpuIt = it.skipIf('skip' in gpu);
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
}

/** Runs flash on WebGPU (f32) and the f64 reference; returns the relative errors. */
async function compare(c: Case, options: AttentionOptions = {}, on: TestDevice = gpu as TestDevice) {
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
  };
  const expected = referenceAttention(ref, dO);
  const device = 'webgpu';
  const mk = (data: Float64Array, shape: number[]) =>
    requiresGrad(tensor(data, shape, { dtype: 'f32', context: ctx, device }));
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
  const q = mk(q0, [b, h, c.sq, d]);
  const kk = mkView(k0, [b, hk, sk, d]);
  const vv = mkView(v0, [b, hk, sk, dv]);
  const [k, v] = [kk.view, vv.view];
  const mask = c.mask
    ? tensor(c.mask.data, c.mask.shape, { dtype: c.mask.bool ? 'bool' : 'f32', context: ctx, device })
    : undefined;
  const { output, lse } = scaledDotProductAttention(q, k, v, {
    causal: c.causal,
    mask,
    strategy: 'flash',
    ...options,
    returnLse: true,
  });
  backward(output, { gradOutput: tensor(dO, output.shape, { dtype: 'f32', context: ctx, device }) });
  const [o, l, dq, dk, dvv] = await readMany([output, lse, q.grad as Tensor, kk.grad(), vv.grad()]);
  for (const t of [q, kk.leaf, vv.leaf, output, lse, mask]) t?.dispose();
  return {
    o: relativeError(o, expected.o),
    lse: relativeError(l, expected.lse),
    dq: relativeError(dq, expected.dq),
    dk: relativeError(dk, expected.dk),
    dv: relativeError(dvv, expected.dv),
  };
}

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
      mask: {
        data: Array.from({ length: 74 }, (_, i) => (i % 37 < (i < 37 ? 37 : 13) ? 1 : 0)),
        shape: [2, 1, 1, 37],
        bool: true,
      },
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
  for (const [name, c] of CASES.filter(([, c]) => c.mask || c.hk !== undefined)) {
    gpuIt(`tiled kernel: ${name}`, async () => {
      const err = await compare(c, {}, tiledGpu as TestDevice);
      for (const [what, e] of Object.entries(err)) {
        expect(e, `${name}: ${what} relative error ${e}`).toBeLessThan(TOL);
      }
    });
  }

  // With subgroups a software adapter runs the 'subgroup' forward above; these run the plain
  // 'lockstep' one (on a real GPU, 'tiled' again).
  for (const [name, c] of CASES.filter(([, c]) => c.mask || c.hk !== undefined || c.d !== undefined)) {
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

  gpuIt("'auto' picks the WGSL kernels on webgpu; dropout and varlen are CPU-only for 'flash'", async () => {
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
    expect(() => scaledDotProductAttention(q, k, v, { strategy: 'flash', cuSeqlens: [0, 3, 8] })).toThrow(
      /cuSeqlens/,
    );
    // 'auto' runs those on the naive path instead.
    const naive = scaledDotProductAttention(q, k, v, { cuSeqlens: [0, 3, 8] });
    expect(naive.device).toBe('webgpu');
  });

  gpuIt("'auto' takes the naive path for f16 on webgpu (the WGSL kernels are f32 only)", async () => {
    const { ctx, backend } = gpu as TestDevice;
    if (!backend.dtypes.includes('f16')) return;
    const mk = (device: string) =>
      tensor(testValues(2 * 8 * 4, 1), [1, 2, 8, 4], { dtype: 'f16', context: ctx, device });
    const [q, k, v] = [mk('webgpu'), mk('webgpu'), mk('webgpu')];
    expect(() => scaledDotProductAttention(q, k, v, { strategy: 'flash' })).toThrow(/f32 only, got f16/);
    const out = scaledDotProductAttention(q, k, v, { causal: true });
    expect(out.dtype).toBe('f16');
    const [c] = [mk('cpu')];
    const ref = scaledDotProductAttention(c, c, c, { causal: true }).dataSync();
    const got = await out.data();
    for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(4e-3);
  });
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
