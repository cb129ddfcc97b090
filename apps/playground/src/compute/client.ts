import type { FromWorker, Method, Methods, ToWorker } from './protocol.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (p: unknown) => void;
}

/** The page's side of the compute worker: one promise per request, progress by callback. */
export class ComputeClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'progress') p.onProgress?.(m.progress);
      else {
        this.pending.delete(m.id);
        if (m.kind === 'result') p.resolve(m.value);
        else p.reject(new Error(m.message));
      }
    };
    this.worker.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(new Error(`compute worker: ${e.message}`));
      this.pending.clear();
    };
  }

  call<M extends Method>(
    method: M,
    arg: Methods[M][0],
    options: { onProgress?: (p: Methods[M][2]) => void; transfer?: Transferable[] } = {},
  ): Promise<Methods[M][1]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: options.onProgress as unknown as Pending['onProgress'],
      });
      const message: ToWorker = { id, method, arg };
      this.worker.postMessage(message, options.transfer ?? []);
    });
  }
}
