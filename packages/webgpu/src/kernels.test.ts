import {
  argmax,
  type Context,
  createContext,
  cumsum,
  logSoftmax,
  matmul,
  max,
  mean,
  randn,
  softmax,
  sum,
  type Tensor,
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

  it('a few very long lanes reduce in two stages (split lanes, then the partials)', async () => {
    const x = cpu([2, 100_003], 4);
    const g = x.to('webgpu');
    await close(sum(g, -1), sum(x, -1), 1e-3);
    await close(mean(g, -1), mean(x, -1), 1e-3);
    await close(max(g, -1), max(x, -1));
    await close(sum(g), sum(x), 1e-3);
    const b = x.gt(0);
    await close(b.to('webgpu').sum(), b.sum(), 0);
    await close(b.to('webgpu').max(), b.max(), 0);
  });

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
