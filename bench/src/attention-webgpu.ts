/**
 * Attention forward on WebGPU at batch 1, 8 heads, head dim 64, f32, seq 512 / 2048 / 4096, in one
 * process and on one Dawn adapter: Tessera's flash kernel (the one its adapter class picks, and on a
 * software adapter also the real-GPU 'tiled' kernel, forced through a second context, and with
 * subgroups the plain 'lockstep' kernel, through a context without them), Tessera's
 * naive path, and TensorFlow.js's `webgpu` backend running naive attention (matMul / softmax / matMul, as the CPU bench does).
 * A run is the dispatch plus the read of the result (`await data()`), so the GPU work is finished;
 * time is the median of interleaved runs after a warm-up (`timeInterleaved`). Memory is the peak
 * GPU bytes over one run: Tessera's `memory(context).devices.webgpu.peakBytes` growth, tfjs's
 * `tf.profile` peak bytes. The issue #7 goal on lavapipe at seq 2048: flash ≥ 5× faster than
 * tfjs-webgpu with ≤ 1/10 of its memory. Configurations whose estimated run exceeds the budget print
 * "skipped". Writes results/attention-webgpu.json.
 *
 * `--only=REGEX` keeps the contenders whose name matches; `--seqs=512,2048` picks the sequences;
 * `--block=64x16` sets the flash kernels' blockSize (query rows × keys per block).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaledDotProductAttention } from '@tessera/attention';
import { type Context, createContext, memory, resetPeakMemory, type Tensor, tensor } from '@tessera/core';
import { initWebGPU, type WebGPUBackend } from '@tessera/webgpu';
import { create, globals } from 'webgpu';
import { type Contender, randomData, table, timeInterleaved } from './timing.js';

const HEADS = 8;
const DIM = 64;
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SEQS = (arg('seqs') ?? '512,2048,4096').split(',').map(Number);
const ONLY = arg('only') ? new RegExp(arg('only') as string) : null;
const BLOCK = arg('block')?.split('x').map(Number);
const blockSize = BLOCK ? { q: BLOCK[0], k: BLOCK[1] } : undefined;
/** A contender whose single run is estimated above this is skipped at that seq. */
const SKIP_MS = Number(process.env.ATTENTION_SKIP_MS ?? 30_000);
/** Timed rounds, and the time budget per contender and seq (ms). */
const ROUNDS = 5;
const BUDGET_MS = 20_000;

interface Result {
  seq: number;
  impl: string;
  medianMs: number | null;
  runs: number;
  peakBytes: number | null;
  note?: string;
}

/** A contender with the untimed run that measures its peak GPU bytes (and compiles its pipelines). */
interface Entry extends Contender {
  peak: () => Promise<number>;
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'attention-webgpu.json');

function tessera(
  name: string,
  ctx: Context,
  backend: WebGPUBackend,
  strategy: 'flash' | 'naive',
  data: Float32Array[],
  seq: number,
): Entry & { dispose: () => void } {
  const shape = [1, HEADS, seq, DIM];
  const [q, k, v] = data.map((d) => tensor(d, shape, { context: ctx, device: 'webgpu' }));
  const run = async () => {
    const out = scaledDotProductAttention(q, k, v, { strategy, blockSize });
    await out.data();
    out.dispose();
  };
  return {
    name,
    run,
    peak: async () => {
      await backend.sync();
      const before = memory(ctx).devices.webgpu.bytes;
      resetPeakMemory(ctx);
      await run();
      return memory(ctx).devices.webgpu.peakBytes - before;
    },
    dispose: () => {
      for (const t of [q, k, v] as Tensor[]) t.dispose();
    },
  };
}

type Tf = typeof import('@tensorflow/tfjs-core');

function tfjsNaive(tf: Tf, data: Float32Array[], seq: number): Entry & { dispose: () => void } {
  const shape: [number, number, number, number] = [1, HEADS, seq, DIM];
  const [q, k, v] = data.map((d) => tf.tensor4d(d, shape));
  const attend = () =>
    tf.tidy(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DIM))), v));
  const run = async () => {
    const o = attend();
    await o.data();
    o.dispose();
  };
  return {
    name: 'tfjs-webgpu naive',
    run,
    peak: async () => (await tf.profile(run)).peakBytes,
    dispose: () => {
      for (const t of [q, k, v]) t.dispose();
    },
  };
}

const mib = (b: number | null) => (b === null ? '—' : `${(b / 2 ** 20).toFixed(1)} MiB`);

async function main(): Promise<void> {
  // One Dawn instance and adapter for both libraries, as in webgpu.ts; tfjs reads navigator.gpu.
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  Object.assign(globalThis, globals);
  const ctx = createContext();
  const backend = await initWebGPU({ context: ctx, gpu });
  const info = backend.adapterInfo;
  // The real-GPU flash kernel on the same adapter, for comparison on software adapters.
  const tiledCtx = createContext();
  const tiledBackend =
    info.adapterClass === 'software'
      ? await initWebGPU({ context: tiledCtx, gpu, adapterClass: 'gpu' })
      : null;
  // Where the software flash kernel shares K/V loads across subgroups, also its plain lockstep twin.
  const plainCtx = createContext();
  const plainBackend =
    info.adapterClass === 'software' && backend.subgroupSize !== undefined
      ? await initWebGPU({ context: plainCtx, gpu, subgroups: false })
      : null;
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  await tf.setBackend('webgpu');
  await tf.ready();
  const adapter = `${info.description || info.device} (${info.adapterClass})`;
  const load0 = loadavg();
  console.log(
    `adapter: ${adapter}; tfjs backend: ${tf.getBackend()}; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );

  const results: Result[] = [];
  const impls: string[] = [];
  for (const seq of SEQS) {
    const n = HEADS * seq * DIM;
    const data = [randomData(n, 1), randomData(n, 2), randomData(n, 3)];
    const entries = [
      tessera('tessera flash', ctx, backend, 'flash', data, seq),
      ...(tiledBackend
        ? [tessera('tessera flash, tiled kernel', tiledCtx, tiledBackend, 'flash', data, seq)]
        : []),
      ...(plainBackend
        ? [tessera('tessera flash, lockstep (no subgroups)', plainCtx, plainBackend, 'flash', data, seq)]
        : []),
      tessera('tessera naive', ctx, backend, 'naive', data, seq),
      tfjsNaive(tf, data, seq),
    ].filter((e) => !ONLY || ONLY.test(e.name));
    const timed: Entry[] = [];
    const peaks = new Map<string, number>();
    for (const e of entries) {
      if (!impls.includes(e.name)) impls.push(e.name);
      const prev = results.filter((r) => r.impl === e.name && r.medianMs !== null).at(-1);
      const est = prev ? (prev.medianMs as number) * (seq / prev.seq) ** 2 : 0;
      // The naive paths bind the [1, h, N, N] scores as one storage buffer.
      const scores = 4 * HEADS * seq * seq;
      if (e.name.includes('naive') && scores > backend.limits.maxStorageBufferBindingSize) {
        const limit = backend.limits.maxStorageBufferBindingSize / 2 ** 20;
        results.push({
          seq,
          impl: e.name,
          medianMs: null,
          runs: 0,
          peakBytes: null,
          note: `cannot run: its ${mib(scores)} score buffer exceeds the ${limit} MiB binding limit`,
        });
        continue;
      }
      if (est > SKIP_MS) {
        results.push({
          seq,
          impl: e.name,
          medianMs: null,
          runs: 0,
          peakBytes: null,
          note: `skipped (~${(est / 1000).toFixed(0)} s a run)`,
        });
        continue;
      }
      peaks.set(e.name, await e.peak());
      timed.push(e);
    }
    const times = await timeInterleaved(timed, ROUNDS, BUDGET_MS);
    for (const e of timed) {
      const t = times.get(e.name)!;
      const r = { seq, impl: e.name, medianMs: t.ms, runs: t.runs, peakBytes: peaks.get(e.name) ?? null };
      results.push(r);
      console.log(`  seq ${seq} ${e.name}: ${t.ms.toFixed(1)} ms (${t.runs} runs), peak ${mib(r.peakBytes)}`);
    }
    for (const e of entries) e.dispose();
  }
  const load1 = loadavg();

  const tfName = 'tfjs-webgpu naive';
  const rows = SEQS.map((seq) => {
    const base = results.find((r) => r.seq === seq && r.impl === tfName);
    const cells = impls.map((impl) => {
      const r = results.find((x) => x.seq === seq && x.impl === impl);
      if (!r || r.medianMs === null) return r?.note ?? '—';
      const vs =
        impl !== tfName && base?.medianMs && base.peakBytes
          ? ` (${(base.medianMs / r.medianMs).toFixed(2)}× faster, ${(r.peakBytes! / base.peakBytes).toFixed(3)}× mem)`
          : '';
      return `${r.medianMs.toFixed(1)} ms / ${mib(r.peakBytes)}${vs}`;
    });
    return [String(seq), ...cells];
  });
  console.log(
    `\nattention forward on WebGPU, batch 1, ${HEADS} heads, head dim ${DIM}, f32; ${adapter} on ${cpus()[0]?.model ?? 'cpu'}`,
  );
  console.log('median time (dispatch + read) / peak GPU memory; ratios against tfjs-webgpu naive');
  console.log(table(['seq', ...impls], rows));
  console.log(
    `load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
  );
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ adapter: info, heads: HEADS, dim: DIM, batch: 1, cpu: cpus()[0]?.model, loadavg: { before: load0, after: load1 }, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  console.log(`wrote ${resultsPath}`);
}

await main();
