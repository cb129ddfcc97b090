/**
 * f32 matmul throughput of Tessera's CPU backend against TensorFlow.js's `cpu` (plain JS) and
 * `wasm` (XNNPACK, single-threaded as in Node) backends, in one process. Each size gets a
 * warm-up, then the median of a few timed runs; big sizes get fewer runs to bound the total.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { matmul, tensor } from '@tessera/core';

interface Size {
  label: string;
  m: number;
  k: number;
  n: number;
}

interface Result {
  size: string;
  impl: string;
  medianMs: number | null;
  gflops: number | null;
  runs: number;
  note?: string;
}

const SIZES: Size[] = [
  { label: '256³', m: 256, k: 256, n: 256 },
  { label: '512³', m: 512, k: 512, n: 512 },
  { label: '1024³', m: 1024, k: 1024, n: 1024 },
  { label: '4096×768·768×3072', m: 4096, k: 768, n: 3072 },
];

/** Timed runs per size, fewer for big products; a single run over this many ms stops early. */
const RUNS = [9, 5, 3, 2];
const RUN_BUDGET_MS = 20_000;
/** tfjs-cpu is skipped at a size whose estimated single run exceeds this. */
const SKIP_MS = 25_000;

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'matmul.json');

function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Warm-up (unless skipped), then up to `runs` timed calls within the budget. */
function time(run: () => void, runs: number, warmup: boolean): { ms: number; runs: number } {
  if (warmup) run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < runs) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
    if (performance.now() - start > RUN_BUDGET_MS) break;
  }
  return { ms: median(times), runs: times.length };
}

const flops = (s: Size): number => 2 * s.m * s.k * s.n;

function benchTessera(s: Size, a: Float32Array, b: Float32Array, runs: number): Result {
  const ta = tensor(a, [s.m, s.k]);
  const tb = tensor(b, [s.k, s.n]);
  const r = time(() => matmul(ta, tb).dispose(), runs, s.m * s.n <= 1024 * 1024);
  ta.dispose();
  tb.dispose();
  return { size: s.label, impl: 'tessera-cpu', medianMs: r.ms, gflops: flops(s) / r.ms / 1e6, runs: r.runs };
}

async function benchTfjs(backend: 'cpu' | 'wasm', s: Size, a: Float32Array, b: Float32Array, runs: number) {
  await tf.setBackend(backend);
  await tf.ready();
  const ta = tf.tensor2d(a, [s.m, s.k]);
  const tb = tf.tensor2d(b, [s.k, s.n]);
  // dataSync() makes sure the product has been computed, whatever the backend defers.
  const r = time(
    () => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    },
    runs,
    s.m * s.n <= 1024 * 1024,
  );
  ta.dispose();
  tb.dispose();
  return {
    size: s.label,
    impl: `tfjs-${backend}`,
    medianMs: r.ms,
    gflops: flops(s) / r.ms / 1e6,
    runs: r.runs,
  };
}

/** Largest relative difference between Tessera's and tfjs-wasm's product at a small size. */
async function crossCheck(): Promise<number> {
  const s = { m: 67, k: 129, n: 33 };
  const a = randomData(s.m * s.k, 7);
  const b = randomData(s.k * s.n, 8);
  const ta = tensor(a, [s.m, s.k]);
  const tb = tensor(b, [s.k, s.n]);
  const tc = matmul(ta, tb);
  const ours = tc.dataSync() as Float32Array;
  for (const t of [ta, tb, tc]) t.dispose();
  await tf.setBackend('wasm');
  const c = tf.matMul(tf.tensor2d(a, [s.m, s.k]), tf.tensor2d(b, [s.k, s.n]));
  const theirs = c.dataSync();
  tf.disposeVariables();
  let worst = 0;
  for (let i = 0; i < ours.length; i++)
    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / Math.max(1, Math.abs(theirs[i])));
  return worst;
}

function fmt(x: number | null, digits = 2): string {
  return x === null ? '—' : x.toFixed(digits);
}

async function main(): Promise<void> {
  // The wasm binaries ship in the package's dist folder; Node loads them from the file system.
  const wasmDir = join(dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'))), '/');
  setWasmPaths(wasmDir);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  console.log(
    `cross-check vs tfjs-wasm (67×129·129×33): max relative difference ${(await crossCheck()).toExponential(2)}`,
  );

  const results: Result[] = [];
  let cpuGflops = 0;
  for (const [i, s] of SIZES.entries()) {
    const a = randomData(s.m * s.k, 1 + i);
    const b = randomData(s.k * s.n, 100 + i);
    results.push(benchTessera(s, a, b, RUNS[i]));
    const estimateMs = cpuGflops > 0 ? flops(s) / cpuGflops / 1e6 : 0;
    if (estimateMs > SKIP_MS) {
      results.push({
        size: s.label,
        impl: 'tfjs-cpu',
        medianMs: null,
        gflops: null,
        runs: 0,
        note: `skipped (too slow: ~${(estimateMs / 1000).toFixed(0)} s a run)`,
      });
    } else {
      const r = await benchTfjs('cpu', s, a, b, RUNS[i]);
      cpuGflops = r.gflops;
      results.push(r);
    }
    results.push(await benchTfjs('wasm', s, a, b, RUNS[i]));
    for (const r of results.slice(-3)) {
      console.log(`  ${s.label} ${r.impl}: ${r.note ?? `${fmt(r.medianMs, 1)} ms (median of ${r.runs})`}`);
    }
  }

  const rows = SIZES.map((s) => {
    const get = (impl: string) => results.find((r) => r.size === s.label && r.impl === impl)!;
    const ours = get('tessera-cpu').gflops!;
    const cpu = get('tfjs-cpu');
    const wasm = get('tfjs-wasm').gflops!;
    return {
      size: s.label,
      tessera: fmt(ours),
      tfjsCpu: cpu.gflops === null ? 'skipped (too slow)' : fmt(cpu.gflops),
      tfjsWasm: fmt(wasm),
      vsCpu: cpu.gflops === null ? '—' : `${fmt(ours / cpu.gflops)}×`,
      vsWasm: `${fmt(ours / wasm)}×`,
    };
  });
  const header = [
    'size',
    'Tessera CPU',
    'tfjs cpu',
    'tfjs wasm',
    'Tessera / tfjs cpu',
    'Tessera / tfjs wasm',
  ];
  const lines = rows.map((r) => [r.size, r.tessera, r.tfjsCpu, r.tfjsWasm, r.vsCpu, r.vsWasm]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c])).join(' | ')} |`;
  console.log('\nf32 matmul, GFLOP/s (median), higher is better');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const l of lines) console.log(line(l));

  mkdirSync(dirname(resultsPath), { recursive: true });
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
  };
  writeFileSync(resultsPath, `${JSON.stringify({ ...meta, results }, null, 2)}\n`);
  console.log(`\nwrote ${resultsPath}`);
}

await main();
