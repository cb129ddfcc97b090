/**
 * Tessera's WebGPU backend against TensorFlow.js's `webgpu` backend on the same Dawn adapter, in one
 * process: f32 matmul at 256³, 512³, 1024³ and 4096×768·768×3072, a softmax and a sum reduction.
 * Each case gets a warm-up (which also compiles the pipelines), then the median of a few timed runs;
 * a run is dispatch + readback of the result (`await data()`), the same for both libraries.
 * Prints a table with ratios and writes results/webgpu.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, matmul, softmax, sum, type Tensor, tensor } from '@tessera/core';
import { initWebGPU } from '@tessera/webgpu';
import { create, globals } from 'webgpu';
import { median, randomData } from './timing.js';

interface Case {
  label: string;
  kind: 'matmul' | 'softmax' | 'sum';
  shapes: number[][];
  /** Work for the rate column: FLOPs for matmul, bytes read for the memory-bound ops. */
  work: number;
  unit: 'GFLOP/s' | 'GB/s';
  runs: number;
}

const mm = (m: number, k: number, n: number, runs: number): Case => ({
  label: m === k && k === n ? `matmul ${m}³` : `matmul ${m}×${k}·${k}×${n}`,
  kind: 'matmul',
  shapes: [
    [m, k],
    [k, n],
  ],
  work: 2 * m * k * n,
  unit: 'GFLOP/s',
  runs,
});

const CASES: Case[] = [
  mm(256, 256, 256, 9),
  mm(512, 512, 512, 7),
  mm(1024, 1024, 1024, 5),
  mm(4096, 768, 3072, 3),
  {
    label: 'softmax [1024, 4096] axis -1',
    kind: 'softmax',
    shapes: [[1024, 4096]],
    work: 4 * 1024 * 4096,
    unit: 'GB/s',
    runs: 7,
  },
  {
    label: 'sum [4096, 4096] axis -1',
    kind: 'sum',
    shapes: [[4096, 4096]],
    work: 4 * 4096 * 4096,
    unit: 'GB/s',
    runs: 7,
  },
  {
    label: 'sum [2048, 2048] all',
    kind: 'sum',
    shapes: [[2048, 2048]],
    work: 4 * 2048 * 2048,
    unit: 'GB/s',
    runs: 7,
  },
];

interface Result {
  case: string;
  impl: string;
  medianMs: number;
  rate: number;
  unit: string;
  runs: number;
}

/** Timed blocks per library, interleaved; each case reports its best block's median. */
const BLOCKS = 3;

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'webgpu.json');

async function time(run: () => Promise<void>, runs: number): Promise<number> {
  await run(); // warm-up: pipeline compilation, buffer pools
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  // One Dawn instance and adapter for both libraries; each requests its own device from it.
  const gpu = create([]);
  // tfjs-backend-webgpu reads navigator.gpu and the WebGPU constant objects (GPUBufferUsage, …) from
  // globals, as in a browser; Tessera takes the GPU object as an argument instead.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  Object.assign(globalThis, globals);
  const ctx = createContext();
  const backend = await initWebGPU({ context: ctx, gpu });
  const info = backend.adapterInfo;
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  console.log(
    `adapter: ${info.description || info.device} (${info.adapterClass}) on ${cpus()[0]?.model ?? 'cpu'}; load ${loadavg()[0].toFixed(2)}; tfjs backend: ${tf.getBackend()}`,
  );

  const results: Result[] = [];
  const onlyArg = process.argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new RegExp(onlyArg.slice(7)) : null;
  for (const c of CASES) {
    if (only && !only.test(c.label)) continue;
    const datas = c.shapes.map((s, i) => randomData(s[0] * s[1], 17 + i));
    const ts = datas.map((d, i) => tensor(d, c.shapes[i], { context: ctx, device: 'webgpu' }));
    const tt = datas.map((d, i) => tf.tensor2d(d, c.shapes[i] as [number, number]));
    const tesseraOp = (): Tensor =>
      c.kind === 'matmul'
        ? matmul(ts[0], ts[1])
        : c.kind === 'softmax'
          ? softmax(ts[0], -1)
          : c.label.includes('all')
            ? sum(ts[0])
            : sum(ts[0], -1);
    const tfOp = () =>
      c.kind === 'matmul'
        ? tf.matMul(tt[0], tt[1])
        : c.kind === 'softmax'
          ? tf.softmax(tt[0], -1)
          : c.label.includes('all')
            ? tf.sum(tt[0])
            : tf.sum(tt[0], -1);
    // Interleave the two libraries' timed blocks so background load hits both alike.
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < BLOCKS; round++) {
      ours.push(
        await time(
          async () => {
            const out = tesseraOp();
            await out.data();
            out.dispose();
          },
          Math.ceil(c.runs / BLOCKS),
        ),
      );
      theirs.push(
        await time(
          async () => {
            const out = tfOp();
            await out.data();
            out.dispose();
          },
          Math.ceil(c.runs / BLOCKS),
        ),
      );
    }
    const rate = (ms: number) => c.work / ms / 1e6;
    const a = Math.min(...ours);
    const b = Math.min(...theirs);
    results.push({
      case: c.label,
      impl: 'tessera-webgpu',
      medianMs: a,
      rate: rate(a),
      unit: c.unit,
      runs: c.runs,
    });
    results.push({
      case: c.label,
      impl: 'tfjs-webgpu',
      medianMs: b,
      rate: rate(b),
      unit: c.unit,
      runs: c.runs,
    });
    console.log(
      `${c.label.padEnd(32)} tessera ${a.toFixed(1).padStart(8)} ms ${rate(a).toFixed(2).padStart(7)} ${c.unit}   ` +
        `tfjs ${b.toFixed(1).padStart(8)} ms ${rate(b).toFixed(2).padStart(7)} ${c.unit}   ×${(b / a).toFixed(2)}`,
    );
    for (const t of ts) t.dispose();
    for (const t of tt) t.dispose();
  }

  const rows = [...new Set(results.map((r) => r.case))].map((label) => {
    const t = results.find((r) => r.case === label && r.impl === 'tessera-webgpu')!;
    const f = results.find((r) => r.case === label && r.impl === 'tfjs-webgpu')!;
    return `| ${label} | ${t.rate.toFixed(2)} ${t.unit} (${t.medianMs.toFixed(1)} ms) | ${f.rate.toFixed(2)} ${f.unit} (${f.medianMs.toFixed(1)} ms) | ${(f.medianMs / t.medianMs).toFixed(2)}× |`;
  });
  console.log(
    `\n| case | Tessera WebGPU | tfjs-webgpu | Tessera speed-up |\n| --- | --- | --- | --- |\n${rows.join('\n')}`,
  );
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ adapter: info, cpu: cpus()[0]?.model, date: new Date().toISOString(), note: 'median of timed runs; best of three interleaved blocks', results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${resultsPath}`);
  backend.destroy();
  process.exit(0);
}

await main();
