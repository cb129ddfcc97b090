/**
 * The browser test's page: runs a few ops and a small matmul on navigator.gpu and on Tessera's CPU
 * backend in the same page, and exposes the largest differences as `window.tesseraResult`.
 * Bundled by browser.test.ts with esbuild; not part of the package.
 */
import { add, createContext, exp, matmul, randn, softmax, sum, type Tensor } from '@tessera/core';
import { initWebGPU } from '../init.js';

async function maxDiff(gpu: Tensor, cpu: Tensor): Promise<number> {
  const a = await gpu.data();
  const b = await cpu.data();
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return d;
}

async function run(): Promise<Record<string, unknown>> {
  const ctx = createContext();
  const backend = await initWebGPU({ context: ctx });
  ctx.rng.seed(7);
  const x = randn([33, 20], { context: ctx });
  const w = randn([20, 36], { context: ctx });
  const gx = x.to('webgpu');
  const gw = w.to('webgpu');
  const diffs = {
    add: await maxDiff(add(gx, 1.5), add(x, 1.5)),
    exp: await maxDiff(exp(gx), exp(x)),
    sum: await maxDiff(sum(gx, -1), sum(x, -1)),
    softmax: await maxDiff(softmax(gx, -1), softmax(x, -1)),
    matmul: await maxDiff(matmul(gx, gw), matmul(x, w)),
  };
  return { adapter: backend.adapterInfo, device: matmul(gx, gw).device, diffs };
}

const target = globalThis as { tesseraResult?: Promise<Record<string, unknown>> };
target.tesseraResult = run().catch((e: unknown) => ({ error: String((e as Error).stack ?? e) }));
