import { createContext, matmul, randn } from '@tessera/core';
import { initWebGPU } from './src/index.ts';

const ctx = createContext();

import { create } from 'webgpu';

const flags = process.env.DAWN_FLAGS ? [process.env.DAWN_FLAGS] : [];
const b = await initWebGPU({ context: ctx, gpu: create(flags) });
const [m, k, n] = JSON.parse(process.argv[2]);
const ga = randn([m, k], { context: ctx }).to('webgpu');
const gc = randn([k, n], { context: ctx }).to('webgpu');
const cfgs: number[][] = JSON.parse(process.argv[3]);
const best = cfgs.map(() => Infinity);
const bestCpu = cfgs.map(() => Infinity);
for (let round = 0; round < Number(process.argv[4] ?? 4); round++) {
  for (const [i, cfg] of cfgs.entries()) {
    b.tuning = {
      vec4: { tm: cfg[0], tn: cfg[1], wgX: cfg[2], wgY: cfg[3], order: cfg[4] ? 'rows' : 'cols' },
    };
    if (round === 0) {
      const o = matmul(ga, gc);
      await o.data();
      o.dispose();
    }
    const t0 = performance.now();
    const o = matmul(ga, gc);
    await o.data();
    o.dispose();
    best[i] = Math.min(best[i], performance.now() - t0);
  }
}
for (const [i, cfg] of cfgs.entries())
  console.log(
    JSON.stringify(cfg),
    ((2 * m * k * n) / best[i] / 1e6).toFixed(2),
    'GFLOP/s wall',
    ((2 * m * k * n) / bestCpu[i] / 1e6).toFixed(2),
    'GFLOP per cpu-s',
  );
process.exit(0);
