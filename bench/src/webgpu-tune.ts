/**
 * Sweeps shapes of the vec4 matmul kernel (rows × vec4 columns per thread, threads per workgroup)
 * on one problem size, interleaving the configurations round by round and keeping each one's best
 * time, so background load hits all of them alike. Used to pick VEC4_SUBGROUP and VEC4_DEFAULT in
 * packages/webgpu/src/kernels/matmul.ts.
 *
 *   pnpm --filter @tessera/bench bench:webgpu:tune -- 1024 1024 1024
 */
import { cpus, loadavg } from 'node:os';
import { createContext, matmul, randn } from '@tessera/core';
import { initWebGPU } from '@tessera/webgpu';

const [m, k, n] = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
const M = m ?? 1024;
const K = k ?? M;
const N = n ?? M;
// With 8-lane subgroups (lavapipe) every shape with tm ≤ 8 shares A's loads across the subgroup.
const CONFIGS: { tm: number; tn: number; wg: number }[] = [
  { tm: 4, tn: 1, wg: 64 },
  { tm: 4, tn: 2, wg: 64 },
  { tm: 8, tn: 1, wg: 8 },
  { tm: 8, tn: 1, wg: 64 },
  { tm: 8, tn: 1, wg: 256 },
  { tm: 8, tn: 2, wg: 64 },
];
const ROUNDS = 6;

const ctx = createContext();
const backend = await initWebGPU({ context: ctx });
ctx.rng.seed(0);
const a = randn([M, K], { context: ctx }).to('webgpu');
const b = randn([K, N], { context: ctx }).to('webgpu');
const best = CONFIGS.map(() => Number.POSITIVE_INFINITY);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, cfg] of CONFIGS.entries()) {
    backend.tuning = { vec4: cfg };
    if (round === 0) await matmul(a, b).data(); // compile
    const t0 = performance.now();
    const c = matmul(a, b);
    await c.data();
    best[i] = Math.min(best[i], performance.now() - t0);
    c.dispose();
  }
}
console.log(
  `${backend.adapterInfo.description} on ${cpus()[0]?.model ?? 'cpu'} (load ${loadavg()[0].toFixed(2)}): matmul ${M}×${K}·${K}×${N}, best of ${ROUNDS} interleaved rounds`,
);
for (const [i, cfg] of CONFIGS.entries()) {
  console.log(`${JSON.stringify(cfg).padEnd(32)} ${((2 * M * K * N) / best[i] / 1e6).toFixed(2)} GFLOP/s`);
}
backend.destroy();
process.exit(0);
