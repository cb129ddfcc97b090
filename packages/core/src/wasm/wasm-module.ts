import { compileModule, emitModule, type FunctionBuilder } from './emitter.js';
import { HEADER_BYTES } from './job-header.js';
import { canBlock, canSpawnWorkers, ThreadPool } from './thread-pool.js';

const PAGE = 65536;

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
  ) {
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    this.fns = names.map((n) => exports[n] as (...args: number[]) => void);
    this.pool = threads > 1 ? new ThreadPool(memory, module, names, this.fns, threads - 1) : undefined;
  }

  /**
   * The module of `functions` on `threads` threads (fewer where workers or blocking waits are
   * unavailable, as on a browser's main thread), or undefined where WebAssembly SIMD is not
   * supported. Packages with kernels of their own get one through `CpuKernelEnv.wasmModule`.
   */
  static create(threads: number, functions: () => readonly FunctionBuilder[]): WasmModule | undefined {
    if (typeof WebAssembly !== 'object') return undefined;
    const parallel = threads > 1 && canSpawnWorkers() && canBlock();
    try {
      const fns = functions();
      const bytes = emitModule(fns, { initial: 1, maximum: MAX_PAGES, shared: parallel });
      const module = compileModule(bytes);
      if (!module) return undefined;
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: parallel });
      return new WasmModule(
        memory,
        module,
        fns.map((f) => f.name),
        parallel ? threads : 1,
      );
    } catch {
      return undefined;
    }
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
   * false (small jobs, where waking workers costs more than it saves), else on all threads.
   * `side` runs on the calling thread first, overlapping the workers' start on the job.
   */
  run(kernel: string, args: readonly number[], tasks: number, parallel: boolean, side?: () => void): void {
    const fn = this.names.indexOf(kernel);
    if (fn < 0) throw new Error(`wasm module: no kernel ${kernel}`);
    if (this.pool && !this.disposed && parallel && tasks > 1) {
      const t0 = performance.now();
      this.pool.run(fn, args, tasks, side);
      this.stats.pooled++;
      this.stats.pooledTasks += tasks;
      this.stats.pooledMs += performance.now() - t0;
      return;
    }
    this.stats.inline++;
    side?.();
    const f = this.fns[fn];
    for (let t = 0; t < tasks; t++) f(...args, t);
  }

  /** Ends the workers; the module still runs jobs afterwards on the calling thread. */
  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
  }
}
