/**
 * Attention forward at batch 1, 8 heads, head dim 64, seq 512 / 2048 / 4096, in one process:
 * Tessera's flash kernel (on every core, and on one thread) and its naive path, tfjs `cpu` and
 * `wasm` naive attention (matMul / softmax / matMul) and onnxruntime-node running a naive
 * attention graph (on one thread, and on every core). Time is the median after a warm-up, as wall time and as process CPU time (steadier on a
 * shared machine); memory is what each runtime can report: Tessera's
 * `memory().peakBytes` over the call, tfjs's `tf.profile` peak bytes, and for onnxruntime the
 * growth of the process's resident set during the first run (an upper-bound estimate).
 * Configurations whose estimated run exceeds the budget print "skipped".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { scaledDotProductAttention } from '@tessera/attention';
import { backward, requiresGrad } from '@tessera/autograd';
import {
  type CpuBackend,
  createContext,
  memory,
  resetPeakMemory,
  type Tensor,
  tensor,
  tidy,
} from '@tessera/core';
import { relaxedSimdSupported } from '@tessera/core/wasm';
import * as ort from 'onnxruntime-node';
import { naiveAttentionModel } from './onnx/attention-model.js';
import { median, randomData } from './timing.js';

const HEADS = 8;
/** Threads Tessera's default CPU backend uses, and onnxruntime's second configuration. */
const cores = availableParallelism();
const DIM = 64;
/** Sequence lengths (ATTENTION_SEQS=512,2048 to run fewer). */
const SEQS = (process.env.ATTENTION_SEQS ?? '512,2048,4096').split(',').map(Number);
/** Implementations to run (ATTENTION_IMPLS=tessera-flash,tfjs-wasm runs those two); all by default. */
const IMPLS = process.env.ATTENTION_IMPLS?.split(',');
/** A configuration whose single run is estimated above this is skipped. */
const SKIP_MS = Number(process.env.ATTENTION_SKIP_MS ?? 40_000);
/** Timed runs after the warm-up, fewer when one run is slow. */
const runsFor = (estimateMs: number): number => (estimateMs < 500 ? 5 : estimateMs < 5000 ? 3 : 1);

interface Result {
  seq: number;
  impl: string;
  medianMs: number | null;
  /** Median process CPU time of a run (ms). */
  cpuMs?: number;
  peakBytes: number | null;
  memoryNote?: string;
  runs: number;
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'attention.json');

/**
 * Median wall time and median process CPU time (user + system) of `runs` calls. On a shared
 * machine the CPU time is the steadier number: wall time also counts time spent waiting for a
 * core.
 */
async function timeRuns(
  run: () => Promise<void> | void,
  runs: number,
  warmup: boolean,
): Promise<{ ms: number; cpuMs: number }> {
  // Quick configurations get a few more warm-up calls (after the first, measuring memory) so the
  // JIT and wasm tier-up settle; slow ones are warm after that first call.
  if (warmup) for (let i = 0; i < (runs >= 5 ? 3 : 0); i++) await run();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(times), cpuMs: median(cpu) };
}

/** Scales a measured time at a smaller seq quadratically. */
function estimate(prev: Result | undefined, seq: number): number {
  if (!prev || prev.medianMs === null) return 0;
  return prev.medianMs * (seq / prev.seq) ** 2;
}

const skipped = (seq: number, impl: string, estimateMs: number): Result => ({
  seq,
  impl,
  medianMs: null,
  peakBytes: null,
  runs: 0,
  note: `skipped (~${(estimateMs / 1000).toFixed(0)} s a run)`,
});

/** The suffix of rows on baseline SIMD where the engine has relaxed SIMD (its FMA) too. */
const NO_FMA = '-no-fma';
/** Whether this engine runs Tessera's products with relaxed SIMD's FMA (on Node 20 only with --experimental-wasm-relaxed-simd: `bench:attention:relaxed`). */
const HAS_FMA = relaxedSimdSupported();

/**
 * Tessera forward on a CPU backend with `threads` threads (default: every core); relaxedSimd
 * false keeps baseline SIMD where the engine has relaxed SIMD.
 */
async function benchTessera(
  seq: number,
  strategy: 'flash' | 'naive',
  data: Float32Array[],
  est: number,
  threads?: number,
  relaxedSimd?: boolean,
) {
  const context = createContext({ cpu: { ...(threads === undefined ? {} : { threads }), relaxedSimd } });
  const shape = [1, HEADS, seq, DIM];
  const [q, k, v] = data.map((d) => tensor(d, shape, { context }));
  resetPeakMemory(context);
  const before = memory(context).bytes;
  const run = () => tidy(() => void scaledDotProductAttention(q, k, v, { strategy }), context);
  run();
  const peakBytes = memory(context).peakBytes - before;
  const { ms, cpuMs } = await timeRuns(run, runsFor(est || 1000), true);
  for (const t of [q, k, v] as Tensor[]) t.dispose();
  const impl = `tessera-${strategy}${threads === undefined ? '' : `-${threads}t`}${relaxedSimd === false ? NO_FMA : ''}`;
  (context.backend('cpu') as CpuBackend).dispose();
  return { seq, impl, medianMs: ms, cpuMs, peakBytes, runs: runsFor(est || 1000) };
}

/** Forward and backward through the flash op (gradients of q, k, v), Tessera only. */
async function benchTesseraBackward(seq: number, data: Float32Array[], est: number): Promise<Result> {
  const context = createContext();
  const shape = [1, HEADS, seq, DIM];
  const [q, k, v] = data.map((d) => requiresGrad(tensor(d, shape, { context })));
  const run = () => {
    tidy(() => backward(scaledDotProductAttention(q, k, v, { strategy: 'flash' }).sum()), context);
    for (const t of [q, k, v]) {
      t.grad?.dispose();
      t.grad = undefined;
    }
  };
  resetPeakMemory(context);
  const before = memory(context).bytes;
  run();
  const peakBytes = memory(context).peakBytes - before;
  const runs = runsFor(est || 1000);
  const { ms, cpuMs } = await timeRuns(run, runs, true);
  for (const t of [q, k, v] as Tensor[]) t.dispose();
  return { seq, impl: 'tessera-flash-fwd+bwd', medianMs: ms, cpuMs, peakBytes, runs };
}

async function benchTfjs(seq: number, backend: 'cpu' | 'wasm', data: Float32Array[], est: number) {
  await tf.setBackend(backend);
  await tf.ready();
  const shape: [number, number, number, number] = [1, HEADS, seq, DIM];
  const [q, k, v] = data.map((d) => tf.tensor4d(d, shape));
  const attend = () =>
    tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DIM))), v));
  const run = () => {
    const o = attend();
    o.dataSync();
    o.dispose();
  };
  const profile = await tf.profile(run);
  const runs = runsFor(est || 1000);
  const { ms, cpuMs } = await timeRuns(run, runs, true);
  for (const t of [q, k, v]) t.dispose();
  return { seq, impl: `tfjs-${backend}`, medianMs: ms, cpuMs, peakBytes: profile.peakBytes, runs };
}

async function benchOrt(seq: number, data: Float32Array[], est: number, threads = 1): Promise<Result> {
  const shape = [1, HEADS, seq, DIM];
  const session = await ort.InferenceSession.create(naiveAttentionModel(shape), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = {
    q: new ort.Tensor('float32', data[0], shape),
    k: new ort.Tensor('float32', data[1], shape),
    v: new ort.Tensor('float32', data[2], shape),
  };
  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 1);
  await session.run(feeds);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const runs = runsFor(est || 1000);
  const { ms, cpuMs } = await timeRuns(async () => void (await session.run(feeds)), runs, true);
  await session.release();
  return {
    seq,
    impl: threads === 1 ? 'onnxruntime-node' : `onnxruntime-node-${threads}t`,
    medianMs: ms,
    cpuMs,
    peakBytes: rssPeak - rss0,
    memoryNote: 'RSS growth over the first run',
    runs,
  };
}

const fmtMs = (r: Result) =>
  r.medianMs === null ? (r.note ?? '—') : `${r.medianMs.toFixed(1)} ms (cpu ${r.cpuMs?.toFixed(1)} ms)`;
const fmtMb = (r: Result) => (r.peakBytes === null ? '—' : `${(r.peakBytes / 2 ** 20).toFixed(1)} MiB`);

async function main(): Promise<void> {
  const wasmDir = join(dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'))), '/');
  setWasmPaths(wasmDir);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const results: Result[] = [];
  const last = (impl: string) => results.filter((r) => r.impl === impl && r.medianMs !== null).at(-1);
  for (const seq of SEQS) {
    const n = HEADS * seq * DIM;
    const data = [randomData(n, 1), randomData(n, 2), randomData(n, 3)];
    const jobs: [string, (est: number) => Promise<Result>][] = [
      ['tessera-flash', (e) => benchTessera(seq, 'flash', data, e)],
      ['tessera-flash-1t', (e) => benchTessera(seq, 'flash', data, e, 1)],
      ...(HAS_FMA
        ? ([
            [`tessera-flash${NO_FMA}`, (e) => benchTessera(seq, 'flash', data, e, undefined, false)],
            [`tessera-flash-1t${NO_FMA}`, (e) => benchTessera(seq, 'flash', data, e, 1, false)],
          ] as [string, (est: number) => Promise<Result>][])
        : []),
      ['tessera-flash-fwd+bwd', (e) => benchTesseraBackward(seq, data, e)],
      ['tessera-naive', (e) => benchTessera(seq, 'naive', data, e)],
      ['tfjs-cpu', (e) => benchTfjs(seq, 'cpu', data, e)],
      ['tfjs-wasm', (e) => benchTfjs(seq, 'wasm', data, e)],
      ['onnxruntime-node', (e) => benchOrt(seq, data, e)],
      [`onnxruntime-node-${cores}t`, (e) => benchOrt(seq, data, e, cores)],
    ];
    for (const [impl, job] of jobs) {
      if (IMPLS && !IMPLS.includes(impl)) continue;
      const est = estimate(last(impl), seq);
      const r = est > SKIP_MS ? skipped(seq, impl, est) : await job(est);
      results.push(r);
      console.log(`  seq ${seq} ${impl}: ${fmtMs(r)}, peak ${fmtMb(r)}`);
    }
  }
  const allImpls = [
    'tessera-flash',
    'tessera-flash-1t',
    ...(HAS_FMA ? [`tessera-flash${NO_FMA}`, `tessera-flash-1t${NO_FMA}`] : []),
    'tessera-flash-fwd+bwd',
    'tessera-naive',
    'tfjs-cpu',
    'tfjs-wasm',
    'onnxruntime-node',
    `onnxruntime-node-${cores}t`,
  ];
  const impls = allImpls.filter((impl) => !IMPLS || IMPLS.includes(impl));
  console.log(
    `\nattention forward, batch 1, ${HEADS} heads, head dim ${DIM}, f32 (${cpus()[0]?.model ?? 'cpu'}; relaxed SIMD ${HAS_FMA ? 'on: tessera rows use its FMA, -no-fma rows baseline SIMD' : 'off'})`,
  );
  console.log(`| seq | ${impls.join(' | ')} |`);
  console.log(`|---|${impls.map(() => '---').join('|')}|`);
  for (const seq of SEQS) {
    const cells = impls.map((impl) => {
      const r = results.find((x) => x.seq === seq && x.impl === impl)!;
      return r.medianMs === null ? (r.note ?? '—') : `${fmtMs(r)} / ${fmtMb(r)}`;
    });
    console.log(`| ${seq} | ${cells.join(' | ')} |`);
  }
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ heads: HEADS, dim: DIM, batch: 1, cpu: cpus()[0]?.model, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${resultsPath}`);
}

await main();
