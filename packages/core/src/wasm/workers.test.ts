/**
 * Worker regressions of issue #23 item 4: a context dropped without dispose() releases its worker
 * threads once garbage-collected, and a trap in a worker is reported with the op and the trap's
 * own message (it was "thread pool: a kernel task failed in a worker").
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { CpuBackend } from '../cpu/backend.js';
import type { CpuKernel } from '../cpu/types.js';
import { createContext } from '../default-context.js';
import { dispatch } from '../dispatch.js';
import { TesseraError } from '../errors.js';
import { defineOp } from '../op.js';
import { ones } from '../ops/creation.js';
import { matmul } from '../ops/linalg.js';
import { FunctionBuilder } from './emitter.js';
import { DONE } from './job-header.js';
import { canBlock, canSpawnWorkers } from './thread-pool.js';

interface WorkerLike {
  once(event: 'exit', fn: (code: number) => void): void;
}

/** The garbage collector, exposed at run time (the same as node --expose-gc). */
function exposeGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const threaded = canSpawnWorkers() && canBlock();

/** The worker handles of a CPU backend's own module (a test's view of private state). */
function workersOf(backend: CpuBackend): WorkerLike[] {
  const module = backend.wasm() as unknown as { pool?: { handles?: WorkerLike[] } } | undefined;
  return module?.pool?.handles ?? [];
}

describe('worker threads', () => {
  it.runIf(threaded)('end when their context is garbage-collected without dispose()', async () => {
    const gc = exposeGc();
    if (!gc) {
      if (process.env.CI === 'true')
        throw new Error('no garbage collector to call: run node with --expose-gc');
      return;
    }
    const exits: Promise<number>[] = [];
    // Made in a function so that nothing here refers to the context afterwards.
    (() => {
      const ctx = createContext({ cpu: { threads: 3 } });
      const a = ones([256, 256], { context: ctx });
      matmul(a, a).dispose(); // large enough to start the pool
      a.dispose();
      const workers = workersOf(ctx.backend('cpu') as CpuBackend);
      expect(workers.length).toBe(2);
      for (const w of workers) exits.push(new Promise((resolve) => w.once('exit', resolve)));
    })();
    let done = false;
    void Promise.all(exits).then(() => {
      done = true;
    });
    for (let i = 0; i < 100 && !done; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(done).toBe(true);
  });

  it.runIf(threaded)('report a trap with the op name and the trap message', () => {
    // A kernel whose every task reads far outside memory: a WebAssembly trap.
    const functions = () => {
      const f = new FunctionBuilder('oob', ['i32'], []);
      f.i32(-16).load('i32').op('drop');
      return [f];
    };
    const kernel: CpuKernel = (_ins, _outs, _attrs, env) => {
      const rt = env.wasmModule(functions);
      if (!rt) throw new Error('no wasm module');
      const h = new Int32Array(rt.memory.buffer, 0, 64);
      // The caller waits while the workers take every task, so the trap happens in a worker.
      const side = () => {
        const end = Date.now() + 5000;
        while (Atomics.load(h, DONE) < 16 && Date.now() < end)
          Atomics.wait(h, DONE, Atomics.load(h, DONE), 10);
      };
      rt.run('oob', [], 16, true, side);
    };
    const trapOp = defineOp({
      name: 'trapOp',
      differentiable: false,
      infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
      kernels: { cpu: kernel },
    });
    const ctx = createContext({ cpu: { threads: 2 } });
    const x = ones([4], { context: ctx });
    let err: unknown;
    try {
      dispatch(trapOp, [x], {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^trapOp: the CPU kernel failed on inputs \[4\] f32: /);
    expect(msg).toContain("wasm kernel 'oob' failed in a worker thread");
    expect(msg).toMatch(/memory access out of bounds/);
    expect(ctx.memory().tensors).toBe(1); // the output was released
    (ctx.backend('cpu') as CpuBackend).dispose();
  });
});
