/**
 * Where a small training step's time goes on the CPU backend: one tiny-gpt step (the demo's
 * default model: dim 48, 2 layers, 4 heads / 2 kv heads, batch 64 of 8 tokens, AdamW) and one
 * MLP 784-256-10 Adam step (mlp.ts's), and one early-fusion-sized decoder step (apps/early-fusion's
 * model and loss on random tokens). A CpuBackend subclass times every kernel call by op name;
 * the rest of the step is JS overhead (autograd, dispatch, views, the optimizer's bookkeeping).
 * It also counts allocations and the thread pool's jobs. `-- --threads 1` (default: every
 * core), `-- --steps N` timed steps after a warm-up, `-- --only tiny-gpt|mlp|fusion`, `-- --shapes` to
 * split each op's row by its inputs' shapes (`~` marks a strided view), `-- --cpu` to time by the
 * process's CPU time instead of the wall clock (on a loaded machine; 1 thread: the main thread's,
 * less the garbage collector's threads).
 */
import { cpus, loadavg } from 'node:os';
import { Context, CpuBackend, type DType, type OpDef, type Tensor, type TypedArray } from '@tessera/core';
import { fmt, table } from './timing.js';
import { fusion, mlp, tinyGpt, type Workload } from './workloads.js';

interface OpTime {
  calls: number;
  ms: number;
}

/** The CPU backend, timing every kernel call and counting allocations. */
class ProfilingCpuBackend extends CpuBackend {
  readonly ops = new Map<string, OpTime>();
  /** Key ops by their input shapes and layouts too (`--shapes`). */
  byShape = false;
  /** ms on the clock kernels are timed by: wall-clock, or the process's CPU time (`--cpu`). */
  clock: () => number = () => performance.now();
  allocations = 0;
  allocatedBytes = 0;

  override execute(def: OpDef, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: unknown): void {
    const t0 = this.clock();
    super.execute(def, inputs, outputs, attrs);
    const ms = this.clock() - t0;
    const key = this.byShape ? `${def.name} ${inputs.map(layout).join(' ')}` : def.name;
    const o = this.ops.get(key);
    if (o) {
      o.calls++;
      o.ms += ms;
    } else this.ops.set(key, { calls: 1, ms });
  }

  override allocate(dtype: DType, size: number): TypedArray {
    const a = super.allocate(dtype, size);
    this.allocations++;
    this.allocatedBytes += a.byteLength;
    return a;
  }

  reset(): void {
    this.ops.clear();
    this.allocations = 0;
    this.allocatedBytes = 0;
  }
}

/** A tensor's shape and dtype, marked `~` when it is not a contiguous row-major view. */
function layout(t: Tensor): string {
  return `[${t.shape.join(',')}]${t.dtype === 'f32' ? '' : t.dtype}${t.isContiguous ? '' : '~'}`;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function profile(make: (ctx: Context) => Workload, threads: number, steps: number): void {
  const backend = new ProfilingCpuBackend({ threads });
  backend.byShape = process.argv.includes('--shapes');
  if (process.argv.includes('--cpu')) backend.clock = () => cpuMs({ user: 0, system: 0 });
  const ctx = new Context(backend);
  const w = make(ctx);
  for (let s = 0; s < 3; s++) w.step();
  backend.reset();
  const jobs0 = backend.jobStats();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) w.step();
  const ms = (process.argv.includes('--cpu') ? cpuMs(c0) : performance.now() - t0) / steps;
  const cpu = cpuMs(c0) / steps;
  const jobs = backend.jobStats();
  const ops = [...backend.ops].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = ops.reduce((a, [, o]) => a + o.ms, 0) / steps;
  const calls = ops.reduce((a, [, o]) => a + o.calls, 0) / steps;
  console.log(`\n### ${w.name}, ${backend.info().threads} thread(s)\n`);
  console.log(
    `step ${fmt(ms, 2)} ms wall, ${fmt(cpu, 2)} CPU ms (all threads); kernels ${fmt(kernelMs, 2)} ms ` +
      `(${fmt((100 * kernelMs) / ms, 1)} %) in ${fmt(calls, 0)} calls; outside kernels (autograd, dispatch, ` +
      `JS) ${fmt(ms - kernelMs, 2)} ms = ${fmt((1000 * (ms - kernelMs)) / calls, 1)} µs per op`,
  );
  console.log(
    `allocations ${fmt(backend.allocations / steps, 0)} per step, ${fmt(backend.allocatedBytes / steps / 2 ** 20, 2)} MiB; ` +
      `wasm jobs per step: ${fmt((jobs.inline - jobs0.inline) / steps, 1)} on the calling thread, ` +
      `${fmt((jobs.pooled - jobs0.pooled) / steps, 1)} handed to the pool (${fmt((jobs.pooledTasks - jobs0.pooledTasks) / steps, 0)} tasks, ` +
      `${fmt((jobs.pooledMs - jobs0.pooledMs) / steps, 2)} ms); measured hand-off ${fmt(backend.wasm()?.handoff(), 3)} ms\n`,
  );
  const rows = ops.map(([name, o]) => [
    name,
    fmt(o.calls / steps, 1),
    fmt(o.ms / steps, 3),
    fmt((1000 * o.ms) / o.calls, 1),
    `${fmt((100 * o.ms) / steps / ms, 1)} %`,
  ]);
  console.log(table(['op', 'calls/step', 'ms/step', 'µs/call', 'of step'], rows));
  w.dispose();
  backend.dispose();
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const threads = Number(arg('threads') ?? new CpuBackend().threads);
const steps = Number(arg('steps') ?? 20);
const only = arg('only');
console.log(
  `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${steps} steps after 3 warm-up steps`,
);
if (only === undefined || only === 'tiny-gpt') profile(tinyGpt, threads, steps);
if (only === undefined || only === 'mlp') profile(mlp, threads, steps);
if (only === undefined || only === 'fusion') profile(fusion, threads, steps);
