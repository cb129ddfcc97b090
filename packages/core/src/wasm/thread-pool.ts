import { ARGS, DONE, ERR, ERR_TEXT, FN, GEN, MAX_ARGS, MAX_TASKS, NARGS, NEXT } from './job-header.js';
import { WORKER_SOURCE } from './worker-source.js';

interface WorkerHandle {
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (
    src: string,
    opts: { eval: true; workerData: unknown },
  ) => WorkerHandle & { unref(): void; on(ev: string, fn: () => void): void };
}

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
}

/** Node's worker_threads, without a static import (the package also runs in browsers). */
function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether this environment can start workers sharing a memory with this thread. */
export function canSpawnWorkers(): boolean {
  return (
    typeof SharedArrayBuffer === 'function' &&
    (nodeWorkerThreads() !== undefined || typeof Worker === 'function')
  );
}

/**
 * `workers` threads besides the caller, each with its own instance of the kernel module over
 * one shared memory. `run` publishes a job in the header (job-header.ts), wakes the workers,
 * claims tasks itself too, then sleeps until every task is done: ops stay synchronous.
 * Workers are started on the first run, `unref()`'d in Node so they never keep the process
 * alive, and ended by `dispose()`.
 */
/** How long ThreadPool.roundTrip waits for workers that are starting, and for a warm round trip. */
const STARTUP_PATIENCE_MS = 250;
const ROUND_TRIP_PATIENCE_MS = 25;

export class ThreadPool {
  private handles: WorkerHandle[] | undefined;
  private gen = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module,
    private readonly names: readonly string[],
    private readonly fns: readonly ((...args: number[]) => void)[],
    readonly workers: number,
  ) {}

  private start(): WorkerHandle[] {
    const data = { memory: this.memory, module: this.module, names: this.names };
    const node = nodeWorkerThreads();
    const handles: WorkerHandle[] = [];
    for (let i = 0; i < this.workers; i++) {
      if (node) {
        const w = new node.Worker(WORKER_SOURCE, { eval: true, workerData: data });
        w.unref();
        handles.push(w);
      } else {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
        const w = new Worker(url);
        w.postMessage(data);
        URL.revokeObjectURL(url);
        handles.push(w);
      }
    }
    return handles;
  }

  /**
   * Starts the workers if needed and posts job fns[fn](...args, t) for `tasks` tasks under a new
   * generation; returns the shared header and the job's stamp (NEXT's high bits while it is open).
   */
  private publish(fn: number, args: readonly number[], tasks: number): { h: Int32Array; stamp: number } {
    this.handles ??= this.start();
    const h = new Int32Array(this.memory.buffer, 0, 64);
    h[FN] = fn;
    h[NARGS] = args.length;
    for (let i = 0; i < args.length; i++) h[ARGS + i] = args[i];
    Atomics.store(h, ERR, 0);
    Atomics.store(h, DONE, 0);
    this.gen = (this.gen + 1) | 0 || 1;
    const stamp = this.gen & 0x7fff;
    Atomics.store(h, NEXT, (stamp << 16) | tasks);
    Atomics.store(h, GEN, this.gen);
    Atomics.notify(h, GEN);
    return { h, stamp };
  }

  /**
   * Runs fns[fn](...args, t) for t in 0 … tasks−1 on every thread; returns when all are done.
   * `side`, if given, runs on the calling thread once the workers have been woken, before it
   * claims tasks itself (e.g. copying out the previous job's results meanwhile).
   */
  run(fn: number, args: readonly number[], tasks: number, side?: () => void): void {
    if (tasks > MAX_TASKS || args.length > MAX_ARGS)
      throw new Error(`thread pool: job too large (${tasks} tasks)`);
    const { h, stamp } = this.publish(fn, args, tasks);
    const f = this.fns[fn];
    let failure: unknown;
    try {
      side?.();
    } catch (e) {
      failure = e;
    }
    for (;;) {
      const w = Atomics.load(h, NEXT);
      if (w >>> 16 !== stamp || (w & 0xffff) === 0) break;
      if (Atomics.compareExchange(h, NEXT, w, w - 1) !== w) continue;
      try {
        f(...args, (w & 0xffff) - 1);
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(h, DONE, 1);
    }
    // Wait for the workers' tasks even after a failure here: they write the same memory.
    for (let d = Atomics.load(h, DONE); d < tasks; d = Atomics.load(h, DONE)) Atomics.wait(h, DONE, d);
    if (failure !== undefined) throw failure;
    const err = Atomics.load(h, ERR);
    if (err !== 0) {
      const bytes = new Uint8Array(this.memory.buffer, ERR_TEXT, Math.max(0, err - 1));
      const message = String.fromCharCode(...bytes) || 'no message';
      throw new Error(`wasm kernel '${this.names[fn]}' failed in a worker thread: ${message}`);
    }
  }

  /**
   * Milliseconds from publishing a job of one empty task per worker (fns[noop]) until the
   * caller, sleeping without claiming any, sees them all done: the wake, claim and report of a
   * hand-off, the cost a job pays for splitting. Starts the workers first (an untimed round);
   * the median of `rounds`. Undefined when the workers did not all answer in time: a browser
   * starts a worker only once the thread that made it returns to its event loop, so a caller
   * that waited on them would wait forever; the caller then retires the tasks itself.
   */
  roundTrip(noop: number, rounds = 7): number | undefined {
    const times: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      const t0 = performance.now();
      const { h, stamp } = this.publish(noop, [], this.workers);
      const deadline = t0 + (r === 0 ? STARTUP_PATIENCE_MS : ROUND_TRIP_PATIENCE_MS);
      let late = false;
      for (let d = Atomics.load(h, DONE); d < this.workers; d = Atomics.load(h, DONE)) {
        const left = deadline - performance.now();
        if (left <= 0) {
          late = true;
          // Retire the tasks no worker has claimed (they are empty), then wait for the claimed ones.
          for (;;) {
            const w = Atomics.load(h, NEXT);
            if (w >>> 16 !== stamp || (w & 0xffff) === 0) break;
            if (Atomics.compareExchange(h, NEXT, w, w - 1) === w) Atomics.add(h, DONE, 1);
          }
          for (let e = Atomics.load(h, DONE); e < this.workers; e = Atomics.load(h, DONE))
            Atomics.wait(h, DONE, e);
          break;
        }
        Atomics.wait(h, DONE, d, left);
      }
      if (late) return undefined;
      if (r > 0) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  }

  dispose(): void {
    for (const w of this.handles ?? []) w.terminate();
    this.handles = undefined;
  }
}
