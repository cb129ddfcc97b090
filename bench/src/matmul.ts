/**
 * f32 matmul throughput of Tessera's CPU backend (WebAssembly SIMD with the default thread
 * count, and restricted to one thread) against TensorFlow.js's `cpu` (plain JS) and `wasm`
 * (XNNPACK, single-threaded as in Node) backends, in one process, timed round-robin.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Context, type CpuBackend, createContext, matmul, tensor } from '@tessera/core';
import { type Contender, randomData, timeInterleaved, useTfBackend } from './timing.js';

interface Size {
  label: string;
  batch: number;
  m: number;
  k: number;
  n: number;
  rounds: number;
}

export const SIZES: Size[] = [
  { label: '256³', batch: 0, m: 256, k: 256, n: 256, rounds: 15 },
  { label: '512³', batch: 0, m: 512, k: 512, n: 512, rounds: 11 },
  { label: '1024³', batch: 0, m: 1024, k: 1024, n: 1024, rounds: 9 },
  { label: '4096×768·768×3072', batch: 0, m: 4096, k: 768, n: 3072, rounds: 5 },
  { label: '[8,2048,64]·[8,64,2048]', batch: 8, m: 2048, k: 64, n: 2048, rounds: 5 },
];

/** Time spent per contender and size before it stops being repeated. */
const BUDGET_MS = 15_000;
/** tfjs-cpu is left out at a size whose estimated single run exceeds this. */
const SKIP_MS = 8_000;

export interface MatmulResult {
  size: string;
  impl: string;
  medianMs: number | null;
  gflops: number | null;
  /** GFLOP/s per CPU-second of the whole process (one thread's work rate for single-threaded runs). */
  cpuGflops: number | null;
  runs: number;
  note?: string;
}

const flops = (s: Size): number => 2 * Math.max(1, s.batch) * s.m * s.k * s.n;

function shapes(s: Size): [number[], number[]] {
  return s.batch
    ? [
        [s.batch, s.m, s.k],
        [s.batch, s.k, s.n],
      ]
    : [
        [s.m, s.k],
        [s.k, s.n],
      ];
}

function tesseraContender(name: string, ctx: Context, s: Size, a: Float32Array, b: Float32Array) {
  const [sa, sb] = shapes(s);
  const ta = tensor(a, sa, { context: ctx });
  const tb = tensor(b, sb, { context: ctx });
  const c: Contender = { name, run: () => matmul(ta, tb).dispose() };
  return {
    c,
    dispose: () => {
      ta.dispose();
      tb.dispose();
    },
  };
}

function tfjsContender(backend: 'cpu' | 'wasm', s: Size, a: Float32Array, b: Float32Array) {
  const [sa, sb] = shapes(s);
  let ta: tf.Tensor | undefined;
  let tb: tf.Tensor | undefined;
  const c: Contender = {
    name: `tfjs ${backend}`,
    prepare: async () => {
      await useTfBackend(backend);
      ta ??= tf.tensor(a, sa);
      tb ??= tf.tensor(b, sb);
    },
    // dataSync() makes sure the product has been computed, whatever the backend defers.
    run: () => {
      const r = tf.matMul(ta!, tb!);
      r.dataSync();
      r.dispose();
    },
  };
  return {
    c,
    dispose: () => {
      ta?.dispose();
      tb?.dispose();
    },
  };
}

/** Largest relative difference between Tessera's and tfjs-wasm's product at a small size. */
export async function crossCheck(ctx: Context): Promise<number> {
  const s = { m: 67, k: 129, n: 33 };
  const a = randomData(s.m * s.k, 7);
  const b = randomData(s.k * s.n, 8);
  const ta = tensor(a, [s.m, s.k], { context: ctx });
  const tb = tensor(b, [s.k, s.n], { context: ctx });
  const tc = matmul(ta, tb);
  const ours = tc.dataSync() as Float32Array;
  for (const t of [ta, tb, tc]) t.dispose();
  await useTfBackend('wasm');
  const theirs = tf.tidy(() => tf.matMul(tf.tensor2d(a, [s.m, s.k]), tf.tensor2d(b, [s.k, s.n])).dataSync());
  let worst = 0;
  for (let i = 0; i < ours.length; i++)
    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / Math.max(1, Math.abs(theirs[i])));
  return worst;
}

/** The row of the 1-thread product with relaxed SIMD's fused multiply-add. */
export const FMA_ROW = 'tessera (1 thread, relaxed FMA)';

export async function benchMatmul(threads: number): Promise<MatmulResult[]> {
  const multi = createContext({ cpu: { threads } });
  // One thread on baseline SIMD (separate multiply and add) and, where the engine has relaxed
  // SIMD, one with its fused multiply-add (Node 20: `bench:matmul:relaxed`, which passes --experimental-wasm-relaxed-simd).
  const single = createContext({ cpu: { threads: 1, relaxedSimd: false } });
  const fused = createContext({ cpu: { threads: 1 } });
  const hasFma = (fused.backend('cpu') as CpuBackend).info().relaxedSimd;
  const results: MatmulResult[] = [];
  let cpuGflops = 0;
  for (const [i, s] of SIZES.entries()) {
    const [sa, sb] = shapes(s);
    const a = randomData(
      sa.reduce((x, y) => x * y, 1),
      1 + i,
    );
    const b = randomData(
      sb.reduce((x, y) => x * y, 1),
      100 + i,
    );
    const parts = [
      tesseraContender(`tessera (${threads} threads)`, multi, s, a, b),
      tesseraContender('tessera (1 thread)', single, s, a, b),
      ...(hasFma ? [tesseraContender(FMA_ROW, fused, s, a, b)] : []),
      tfjsContender('wasm', s, a, b),
    ];
    const cpuEstimateMs = cpuGflops > 0 ? flops(s) / cpuGflops / 1e6 : 0;
    const skipCpu = cpuEstimateMs > SKIP_MS;
    if (!skipCpu) parts.push(tfjsContender('cpu', s, a, b));
    const timed = await timeInterleaved(
      parts.map((p) => p.c),
      s.rounds,
      BUDGET_MS,
    );
    for (const p of parts) p.dispose();
    for (const [impl, r] of timed) {
      const gflops = flops(s) / r.ms / 1e6;
      if (impl === 'tfjs cpu') cpuGflops = gflops;
      results.push({
        size: s.label,
        impl,
        medianMs: r.ms,
        gflops,
        cpuGflops: flops(s) / r.cpuMs / 1e6,
        runs: r.runs,
      });
    }
    if (skipCpu)
      results.push({
        size: s.label,
        impl: 'tfjs cpu',
        medianMs: null,
        gflops: null,
        cpuGflops: null,
        runs: 0,
        note: `skipped (too slow: ~${(cpuEstimateMs / 1000).toFixed(0)} s a run)`,
      });
    const line = results
      .filter((r) => r.size === s.label)
      .map((r) => `${r.impl} ${r.gflops?.toFixed(1) ?? '—'}`)
      .join(', ');
    console.log(`  ${s.label}: ${line} GFLOP/s`);
  }
  multi.backend('cpu').dispose?.();
  single.backend('cpu').dispose?.();
  fused.backend('cpu').dispose?.();
  return results;
}
