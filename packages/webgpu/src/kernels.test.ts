import {
  argmax,
  avgPool2dBackward,
  type Context,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  createContext,
  cumsum,
  logSoftmax,
  matmul,
  max,
  maxPool2dBackward,
  mean,
  oneHot,
  pad,
  padBackward,
  randn,
  softmax,
  sum,
  type Tensor,
  tensor,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { initWebGPU } from './init.js';
import { testDevice } from './test-device.js';

/**
 * Kernel paths the conformance suite's small cases do not reach: the workgroup-tree reductions (long
 * lanes), the workgroup-tiled matmul (the real-GPU path, forced here on whatever adapter runs the tests)
 * and the vec4 matmul at sizes that are not multiples of its tile.
 */
const dev = await testDevice();
const suite = describe.skipIf('skip' in dev);

async function close(gpu: Tensor, cpu: Tensor, tol = 1e-4): Promise<void> {
  const a = await gpu.data();
  const b = cpu.dataSync();
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    const bad = Math.abs(a[i] - b[i]) > tol * Math.max(1, Math.abs(b[i]));
    if (bad) expect(`element ${i}: ${a[i]}`).toBe(`element ${i}: ${b[i]}`);
  }
}

suite('webgpu kernel paths', () => {
  const { ctx } = dev as { ctx: Context };
  const cpu = (shape: number[], seed: number) => {
    ctx.rng.seed(seed);
    return randn(shape, { context: ctx });
  };

  it('long lanes reduce through the workgroup tree', async () => {
    const x = cpu([3, 1000], 1);
    const g = x.to('webgpu');
    await close(sum(g, -1), sum(x, -1));
    await close(mean(g, -1), mean(x, -1));
    await close(max(g, -1), max(x, -1));
    await close(argmax(g, -1), argmax(x, -1), 0);
    await close(softmax(g, -1), softmax(x, -1));
    await close(logSoftmax(g, -1), logSoftmax(x, -1));
    await close(cumsum(g, 1), cumsum(x, 1), 1e-3);
    await close(sum(g), sum(x), 1e-3);
  });

  // Stage 1 is a thread per chunk on software adapters and a workgroup tree per chunk on GPUs: both
  // run here, the second with the adapter class forced.
  for (const adapterClass of ['software', 'gpu'] as const) {
    it(`a few very long lanes reduce in two stages (split lanes, then the partials; ${adapterClass} kernels)`, async () => {
      const rctx = createContext();
      await initWebGPU({ context: rctx, adapterClass });
      const x = tensor(
        Array.from({ length: 2 * 100_003 }, (_, i) => Math.sin(i * 0.37) + 0.1),
        [2, 100_003],
        {
          context: rctx,
        },
      );
      const g = x.to('webgpu');
      await close(sum(g, -1), sum(x, -1), 1e-3);
      await close(mean(g, -1), mean(x, -1), 1e-3);
      await close(max(g, -1), max(x, -1));
      await close(sum(g), sum(x), 1e-3);
      const b = x.gt(0);
      await close(b.to('webgpu').sum(), b.sum(), 0);
      await close(b.to('webgpu').max(), b.max(), 0);
    });
  }

  // With subgroups the vec4 matmul broadcasts A across the lanes; without, each thread loads its own rows.
  for (const subgroups of [true, false]) {
    it(`vec4 matmul at shapes off its tile, batched and broadcast (subgroups: ${subgroups})`, async () => {
      const sctx = createContext();
      await initWebGPU({ context: sctx, subgroups });
      sctx.rng.seed(5);
      for (const [m, k, n] of [
        [1, 4, 4],
        [13, 36, 20],
        [70, 8, 44],
        [9, 12, 260],
      ]) {
        const a = randn([2, m, k], { context: sctx });
        const b = randn([k, n], { context: sctx });
        await close(matmul(a.to('webgpu'), b.to('webgpu')), matmul(a, b));
      }
    });
  }

  it('a matmul too tall for the vec4 grid (one workgroup per 8 rows) takes the blocked kernel', async () => {
    const a = cpu([530_000, 4], 6);
    const b = cpu([4, 4], 7);
    await close(matmul(a.to('webgpu'), b.to('webgpu')), matmul(a, b));
  });

  it('f16 long lanes, split lanes and both matmul paths accumulate in f32 like the CPU', async () => {
    const { backend } = dev as { backend: { dtypes: readonly string[] } };
    if (!backend.dtypes.includes('f16')) return;
    const h = (shape: number[], seed: number) => cpu(shape, seed).cast('f16');
    const x = h([3, 1000], 5);
    const g = x.to('webgpu');
    for (const f of [
      (t: Tensor) => sum(t, -1),
      (t: Tensor) => mean(t, -1),
      (t: Tensor) => max(t, -1),
      (t: Tensor) => softmax(t, -1),
      (t: Tensor) => logSoftmax(t, -1),
      (t: Tensor) => cumsum(t, 1),
    ]) {
      await close(f(g), f(x), 2e-3);
    }
    await close(argmax(g, -1), argmax(x, -1), 0);
    const long = h([2, 100_003], 6);
    await close(sum(long.to('webgpu'), -1), sum(long, -1), 2e-3);
    const tctx = createContext();
    await initWebGPU({ context: tctx, adapterClass: 'gpu' });
    for (const [m, k, n] of [
      [13, 36, 20],
      [65, 70, 129],
    ]) {
      const a = h([2, m, k], m);
      const b = h([k, n], n);
      await close(matmul(a.to('webgpu'), b.to('webgpu')), matmul(a, b), 2e-3);
      const ta = tensor(await a.data(), a.shape, { context: tctx, dtype: 'f16', device: 'webgpu' });
      const tb = tensor(await b.data(), b.shape, { context: tctx, dtype: 'f16', device: 'webgpu' });
      await close(matmul(ta, tb), matmul(a, b), 2e-3);
    }
  });

  it('f16 through the backward kernels (conv, pool, pad), oneHot and a pad fill matches the CPU', async () => {
    const { backend } = dev as { backend: { dtypes: readonly string[] } };
    if (!backend.dtypes.includes('f16')) return;
    const h = (shape: number[], seed: number) => cpu(shape, seed).cast('f16');
    const x = h([2, 4, 7, 6], 7);
    const w = h([6, 2, 3, 3], 8);
    const conv = { stride: 2, padding: 1, groups: 2 };
    const gy = h([2, 6, 4, 3], 9);
    const pool = { kernelSize: 3, stride: 2, padding: 1 };
    const py = h([2, 4, 4, 3], 10);
    const idx = tensor([2, 0, 1, 2], [4], { context: ctx, dtype: 'i32' });
    const pads = { pads: [[1, 1] as [number, number], [2, 0] as [number, number]], mode: 'reflect' as const };
    const pg = h([5, 8], 11);
    const cases: [string, (t: (x: Tensor) => Tensor) => Tensor][] = [
      ['conv2dBackwardInput', (on) => conv2dBackwardInput(on(gy), on(w), x.shape, conv)],
      ['conv2dBackwardWeight', (on) => conv2dBackwardWeight(on(x), on(gy), w.shape, conv)],
      ['maxPool2dBackward', (on) => maxPool2dBackward(on(x), on(py), pool)],
      ['avgPool2dBackward', (on) => avgPool2dBackward(on(py), x.shape, pool)],
      ['padBackward', (on) => padBackward(on(pg), { ...pads, value: 0, inputShape: [3, 6] })],
      ['pad', (on) => pad(on(pg), [1, 1, 0, 3], { value: 0.1 })],
      ['oneHot', (on) => oneHot(on(idx), 3, { dtype: 'f16' })],
    ];
    for (const [name, run] of cases) {
      const g = run((t) => t.to('webgpu'));
      const c = run((t) => t);
      expect(g.dtype, name).toBe('f16');
      await close(g, c, 2e-3);
    }
  });

  it('the workgroup-tiled matmul (the real-GPU path) matches the CPU', async () => {
    const tctx = createContext();
    await initWebGPU({ context: tctx, adapterClass: 'gpu' });
    tctx.rng.seed(3);
    for (const [m, k, n] of [
      [5, 7, 3],
      [65, 70, 129],
      [64, 64, 64],
    ]) {
      const a = randn([2, m, k], { context: tctx });
      const bt = randn([n, k], { context: tctx });
      const b = bt.transpose(0, 1);
      const ga = a.to('webgpu');
      const gb = bt.to('webgpu').transpose(0, 1); // strided on the GPU: the kernel reads through strides
      await close(matmul(ga, gb), matmul(a, b));
    }
  });
});
