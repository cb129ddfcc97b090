import { compileModule, emitModule, FunctionBuilder, InvalidWasmModuleError } from './emitter.js';
import { BASELINE_FEATURES, relaxedSimdSupported, type WasmFeatures } from './features.js';
import { HEADER_BYTES } from './job-header.js';
import { canBlock, canSpawnWorkers, ThreadPool } from './thread-pool.js';

const PAGE = 65536;

/** The empty task every module gets (ThreadPool.roundTrip times hand-offs with it). */
const NOOP = 'pool_noop';

function noopFunction(): FunctionBuilder {
  return new FunctionBuilder(NOOP, ['i32']);
}

/** Counts of the jobs a module ran, for profiling (see bench/src/profile.ts). */
export interface JobStats {
  /** Jobs run on the calling thread alone. */
  inline: number;
  /** Jobs handed to the worker pool, and their tasks. */
  pooled: number;
  pooledTasks: number;
  /** Wall-clock ms spent in pooled jobs (hand-off, compute and the wait for the slowest thread). */
  pooledMs: number;
}
/** One in this many jobs that the cost model would split runs on the calling thread alone (WasmModule.split). */
const EXPLORE = 32;

/** 2 GiB: byte offsets stay below 2³¹, so they pass through i32 arguments unchanged. */
const MAX_PAGES = 32768;

/**
 * A compiled WebAssembly kernel module (functions written with emitter.ts, SIMD required), its
 * memory, the calling thread's instance and, with more than one thread, a pool of workers over
 * the same (shared) memory. Kernels copy their operands into scratch memory past the job header,
 * run a job on one or all threads, and copy the results out. The CPU backend keeps one for its
 * own kernels and one per custom-op module (`CpuKernelEnv.wasmModule`).
 */
export class WasmModule {
  private readonly fns: ((...args: number[]) => void)[];
  private readonly pool: ThreadPool | undefined;
  private disposed = false;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);
  /** What this module has run so far (counters only; they never change what runs). */
  readonly stats: JobStats = { inline: 0, pooled: 0, pooledTasks: 0, pooledMs: 0 };

  private constructor(
    readonly memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    /** The module's exports by name; a job names its kernel by the index here. */
    private readonly names: readonly string[],
    /** Threads a job runs on, the caller included. */
    readonly threads: number,
    /** The optional features its functions were generated for. */
    readonly features: WasmFeatures,
  ) {
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    this.fns = names.map((n) => exports[n] as (...args: number[]) => void);
    this.pool = threads > 1 ? new ThreadPool(memory, module, names, this.fns, threads - 1) : undefined;
  }

  /**
   * The module of `functions` on `threads` threads (fewer where workers or blocking waits are
   * unavailable, as on a browser's main thread), or undefined where WebAssembly SIMD is not
   * supported. `functions` are generated for the features found: relaxed SIMD where the engine
   * validates it, unless `options.relaxedSimd` is false. Packages with kernels of their own get one through `CpuKernelEnv.wasmModule`.
   */
  static create(
    threads: number,
    functions: (features: WasmFeatures) => readonly FunctionBuilder[],
    options: { relaxedSimd?: boolean } = {},
  ): WasmModule | undefined {
    if (typeof WebAssembly !== 'object') return undefined;
    const parallel = threads > 1 && canSpawnWorkers() && canBlock();
    const features: WasmFeatures =
      (options.relaxedSimd ?? true) && relaxedSimdSupported() ? { relaxedSimd: true } : BASELINE_FEATURES;
    try {
      const fns = [...functions(features), noopFunction()];
      const bytes = emitModule(fns, { initial: 1, maximum: MAX_PAGES, shared: parallel });
      const module = compileModule(bytes, { shared: parallel, names: fns.map((f) => f.name) });
      if (!module) return undefined;
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: parallel });
      return new WasmModule(
        memory,
        module,
        fns.map((f) => f.name),
        parallel ? threads : 1,
        features,
      );
    } catch (e) {
      // Invalid code is a bug to report; anything else (a memory the engine will not reserve) falls back.
      if (e instanceof InvalidWasmModuleError) throw e;
      return undefined;
    }
  }

  /** Fastest measured ms per unit of work of each kernel on the calling thread alone. */
  private readonly msPerUnit = new Map<string, number>();
  /** Kernels that have run alone with a measure of work (their first such run is not timed: it compiles). */
  private readonly ranAlone = new Set<string>();
  /** Jobs of each kernel the cost model chose to split (see EXPLORE). */
  private readonly splitCounts = new Map<string, number>();
  /** ThreadPool.roundTrip, measured on the first question that needs it. */
  private handoffMs: number | undefined;
  /** The last ThreadPool.roundTrip, and the jobs declined since that it would have split. */
  private probedMs = 0;
  private declined = 0;

  /**
   * Whether a job of `kernel` over `work` units (its own measure: multiply-adds, elements) pays
   * for splitting across the threads. A cost model from run-time measurements: the kernel's
   * time alone, I = work · (its fastest measured ms per unit on this thread; see run), against
   * the pool's measured hand-off h (ThreadPool.roundTrip). With P threads taking tasks as they
   * come, a split job takes about (I + (P − 1)·h) / P, less than I exactly when I > h; it splits
   * when I > 2h, a margin for the slower of the threads. Until the kernel has run alone twice
   * (its first run is not timed: it compiles), `work ≥ prior` decides (a threshold from an
   * earlier measurement). One in EXPLORE of the jobs it would split runs alone instead, to keep
   * the rate current.
   */
  split(kernel: string, work: number, prior: number): boolean {
    if (!this.pool || this.disposed || this.threads < 2) return false;
    const rate = this.msPerUnit.get(kernel);
    if (rate === undefined) return work >= prior;
    if (this.handoffMs === undefined) {
      // Probe once, then again only after 64 more questions if the workers were not up yet.
      if (this.declined > 0 && ++this.declined < 64) return work >= prior;
      this.handoffMs = this.probeHandoff();
      if (this.handoffMs === undefined) {
        this.declined = 1;
        return work >= prior;
      }
    }
    const inline = rate * work;
    if (inline > 2 * this.handoffMs) {
      // Every EXPLORE-th job the model would split runs alone instead, so that the kernel's
      // rate keeps being measured: a rate from a slow early run overstates I, which drives h to
      // 0 in observeSplit, and with h at 0 every job splits, however small, leaving no run alone
      // to correct the rate.
      const n = (this.splitCounts.get(kernel) ?? 0) + 1;
      this.splitCounts.set(kernel, n);
      return n % EXPLORE !== 0;
    }
    // Declined only because split jobs were seen slow (observeSplit): after 64 of those, probe
    // again, so that a busy spell of the other core does not keep this module on one thread.
    if (inline > 2 * this.probedMs && ++this.declined >= 64) {
      const probed = this.probeHandoff();
      if (probed === undefined) return false;
      this.handoffMs = probed;
      return inline > 2 * probed;
    }
    return false;
  }

  /** ThreadPool.roundTrip; undefined (and the last figure kept) when the workers were not up. */
  private probeHandoff(): number | undefined {
    this.declined = 0;
    const ms = this.pool!.roundTrip(this.names.indexOf(NOOP));
    if (ms !== undefined) this.probedMs = ms;
    return ms;
  }

  /**
   * Refines the hand-off from a split job that took `ms` (side work included, so it errs high):
   * with P threads, ms ≈ (I + (P − 1)·h) / P gives h ≈ (P·ms − I) / (P − 1), averaged in with
   * weight 1/8. A second core busy with other work makes split jobs slow, raises h and so
   * splits fewer jobs; big jobs, which split anyway, and a new probe after 64 declined jobs
   * (split) bring it down again when the core is free.
   */
  private observeSplit(kernel: string, work: number, ms: number): void {
    const rate = this.msPerUnit.get(kernel);
    if (work <= 0 || rate === undefined || this.handoffMs === undefined) return;
    const p = this.threads;
    // One job held up by a pause (garbage collection, a preempted thread) moves h by at most 4h/8.
    const h = Math.min(4 * this.handoffMs, Math.max(0, (p * ms - rate * work) / (p - 1)));
    this.handoffMs += (h - this.handoffMs) / 8;
  }

  /** Whether the module has a function named `kernel`. */
  has(kernel: string): boolean {
    return this.names.includes(kernel);
  }

  /** The measured hand-off in ms (undefined before split has needed it), for profiles. */
  handoff(): number | undefined {
    return this.handoffMs;
  }

  /**
   * Makes `bytes` of scratch available and returns its first byte offset (64-byte aligned),
   * or -1 when that would pass the memory limit. Earlier views are refreshed by f32()/i32().
   */
  reserve(bytes: number): number {
    const need = HEADER_BYTES + bytes;
    if (need > MAX_PAGES * PAGE) return -1;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
    return HEADER_BYTES;
  }

  /** Float view of the whole memory (it changes when the memory grows). */
  f32(): Float32Array {
    if (
      this.f32View.buffer !== this.memory.buffer ||
      this.f32View.byteLength !== this.memory.buffer.byteLength
    )
      this.f32View = new Float32Array(this.memory.buffer);
    return this.f32View;
  }

  i32(): Int32Array {
    if (
      this.i32View.buffer !== this.memory.buffer ||
      this.i32View.byteLength !== this.memory.buffer.byteLength
    )
      this.i32View = new Int32Array(this.memory.buffer);
    return this.i32View;
  }

  /**
   * Runs kernel(...args, t) for every task t: on the calling thread alone when `parallel` is
   * false (small jobs, where waking workers costs more than it saves: see split), else on all
   * threads. `side` runs on the calling thread first, overlapping the workers' start on the job.
   * `work` (the units split was asked about) lets a run on the calling thread alone measure the
   * kernel's rate.
   */
  run(
    kernel: string,
    args: readonly number[],
    tasks: number,
    parallel: boolean,
    side?: () => void,
    work = 0,
  ): void {
    const fn = this.names.indexOf(kernel);
    if (fn < 0) throw new Error(`wasm module: no kernel ${kernel}`);
    if (this.pool && !this.disposed && parallel && tasks > 1) {
      const t0 = performance.now();
      this.pool.run(fn, args, tasks, side);
      const ms = performance.now() - t0;
      this.stats.pooled++;
      this.stats.pooledTasks += tasks;
      this.stats.pooledMs += ms;
      this.observeSplit(kernel, work, ms);
      return;
    }
    this.stats.inline++;
    side?.();
    const f = this.fns[fn];
    const t0 = work > 0 ? performance.now() : 0;
    for (let t = 0; t < tasks; t++) f(...args, t);
    if (work > 0) {
      // Runs under 20 µs are mostly call overhead and the clock's resolution: not a rate; nor is
      // a kernel's first run, which includes compiling it (V8 compiles wasm functions lazily).
      const ms = performance.now() - t0;
      const best = this.msPerUnit.get(kernel);
      if (!this.ranAlone.has(kernel)) this.ranAlone.add(kernel);
      else if (ms >= 0.02 && (best === undefined || ms / work < best)) this.msPerUnit.set(kernel, ms / work);
    }
  }

  /** Ends the workers; the module still runs jobs afterwards on the calling thread. */
  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
  }
}
