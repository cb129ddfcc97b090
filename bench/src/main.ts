/**
 * The benchmark run: the machine's WebAssembly SIMD limit, f32 matmul (matmul.ts) and an MLP
 * training step (mlp.ts), Tessera beside tfjs `cpu` and `wasm` in one process. Prints
 * Markdown tables and writes results/bench.json. `main.ts matmul` or `main.ts mlp` runs one part.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpuBackend, createContext } from '@tessera/core';
import { benchMatmul, crossCheck, FMA_ROW, type MatmulResult, SIZES } from './matmul.js';
import { benchMlp, type MlpResult } from './mlp.js';
import { simdPeakGflops } from './peak.js';
import { fmt, initTfjs, table } from './timing.js';

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'bench.json');

function matmulTable(results: MatmulResult[], threads: number, peak: number): string {
  const multi = `tessera (${threads} threads)`;
  const get = (size: string, impl: string) => results.find((r) => r.size === size && r.impl === impl);
  const rows = SIZES.map(({ label }) => {
    const t = get(label, multi)?.gflops ?? null;
    const t1 = get(label, 'tessera (1 thread)')?.gflops ?? null;
    const w = get(label, 'tfjs wasm')?.gflops ?? null;
    const c = get(label, 'tfjs cpu');
    const t1c = get(label, 'tessera (1 thread)')?.cpuGflops ?? null;
    const wc = get(label, 'tfjs wasm')?.cpuGflops ?? null;
    const f1 = get(label, FMA_ROW)?.gflops ?? null;
    return [
      label,
      fmt(t),
      fmt(t1),
      t1 ? `${fmt((100 * t1) / peak, 0)} %` : '—',
      f1 ? `${fmt(f1)} (${fmt(f1 / t1!)}×)` : 'no relaxed SIMD',
      c?.gflops == null ? 'skipped' : fmt(c.gflops),
      fmt(w),
      t && w ? `${fmt(t / w)}×` : '—',
      t1 && w ? `${fmt(t1 / w)}×` : '—',
      t1c && wc ? `${fmt(t1c)} / ${fmt(wc)} = ${fmt(t1c / wc)}×` : '—',
    ];
  });
  const header = [
    'size',
    `Tessera ${threads} thr`,
    'Tessera 1 thr',
    '1 thr / SIMD limit',
    '1 thr relaxed FMA (vs 1 thr)',
    'tfjs cpu',
    'tfjs wasm',
    `${threads} thr / wasm`,
    '1 thr / wasm',
    '1 thr vs wasm, GFLOP per CPU-s',
  ];
  return table(header, rows);
}

function mlpTable(results: MlpResult[]): string {
  const wasm = results.find((r) => r.impl === 'tfjs wasm')!;
  const rows = results.map((r) => [
    r.impl,
    fmt(r.stepsPerSec, 1),
    fmt(r.msPerStep, 2),
    fmt(r.cpuMsPerStep, 2),
    `${fmt(r.stepsPerSec / wasm.stepsPerSec)}×`,
  ]);
  return table(['implementation', 'steps/s', 'ms/step', 'CPU ms/step (all threads)', 'vs tfjs wasm'], rows);
}

async function main(): Promise<void> {
  const part = process.argv[2] ?? 'all';
  const threads = new CpuBackend().threads;
  const probe = createContext();
  const info = (probe.backend('cpu') as CpuBackend).info();
  console.log(
    `${cpus()[0]?.model}; Tessera CPU backend: simd ${info.simd}, relaxed SIMD ${info.relaxedSimd}, ${info.threads} threads; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const peak = simdPeakGflops();
  console.log(
    `WebAssembly SIMD limit, one core (tight f32x4 mul+add loop): ${peak.wall.toFixed(1)} GFLOP/s wall-clock, ${peak.cpu.toFixed(1)} GFLOP/s per CPU-second`,
  );
  // The fused multiply-add's own limit: what the relaxed-SIMD GEMM can be compared with.
  const fmaPeak = info.relaxedSimd ? simdPeakGflops(7, true) : null;
  if (fmaPeak)
    console.log(
      `relaxed SIMD limit, one core (tight f32x4.relaxed_madd loop): ${fmaPeak.wall.toFixed(1)} GFLOP/s wall-clock, ${fmaPeak.cpu.toFixed(1)} GFLOP/s per CPU-second`,
    );
  await initTfjs();
  console.log(
    `cross-check vs tfjs wasm (67×129·129×33): max relative difference ${(await crossCheck(probe)).toExponential(2)}`,
  );
  probe.backend('cpu').dispose?.();

  const out: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverageStart: loadavg(),
    simdPeakGflopsOneCore: peak,
    fmaPeakGflopsOneCore: fmaPeak,
  };
  if (part === 'all' || part === 'matmul') {
    const results = await benchMatmul(threads);
    console.log('\nf32 matmul, GFLOP/s (median, contenders interleaved), higher is better');
    console.log(matmulTable(results, threads, peak.wall));
    out.matmul = results;
  }
  if (part === 'all' || part === 'mlp') {
    const results = await benchMlp(threads);
    console.log('\nMLP 784-256-10, batch 128, Adam: one training step (median), higher is better');
    console.log(mlpTable(results));
    out.mlp = results;
  }
  out.loadAverageEnd = loadavg();
  console.log(
    `\nload average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${resultsPath}`);
}

await main();
