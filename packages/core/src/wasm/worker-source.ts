import { ARGS, DONE, ERR, ERR_MAX, ERR_TEXT, FN, GEN, NARGS, NEXT } from './job-header.js';

/**
 * The body of every worker, as source text so that it runs from the TypeScript sources and
 * from the built dist alike (Node evaluates it with `{ eval: true }`, browsers load it from a
 * Blob URL). It instantiates the kernel module over the shared memory, then loops: sleep until
 * the job counter changes, claim tasks (see job-header.ts), run them, count them done.
 */
export const WORKER_SOURCE = `
'use strict';
function start(memory, module, names) {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const fns = names.map((n) => exports[n]);
  const h = new Int32Array(memory.buffer, 0, 64);
  let seen = 0;
  for (;;) {
    const gen = Atomics.load(h, ${GEN});
    if (gen === seen) {
      Atomics.wait(h, ${GEN}, gen);
      continue;
    }
    seen = gen;
    const fn = fns[h[${FN}]];
    const args = Array.from(h.subarray(${ARGS}, ${ARGS} + h[${NARGS}]));
    const stamp = gen & 0x7fff;
    for (;;) {
      const w = Atomics.load(h, ${NEXT});
      if (w >>> 16 !== stamp || (w & 0xffff) === 0) break;
      if (Atomics.compareExchange(h, ${NEXT}, w, w - 1) !== w) continue;
      try {
        fn(...args, (w & 0xffff) - 1);
      } catch (e) {
        // The first failure of the job reports its message (a WebAssembly trap's, typically).
        if (Atomics.compareExchange(h, ${ERR}, 0, -1) === 0) {
          const msg = String((e && e.message) || e).slice(0, ${ERR_MAX});
          const bytes = new Uint8Array(memory.buffer, ${ERR_TEXT}, ${ERR_MAX});
          for (let i = 0; i < msg.length; i++) bytes[i] = msg.charCodeAt(i) & 0x7f;
          Atomics.store(h, ${ERR}, msg.length + 1);
        }
      }
      Atomics.add(h, ${DONE}, 1);
      Atomics.notify(h, ${DONE});
    }
  }
}
if (typeof require === 'function') {
  const { workerData } = require('node:worker_threads');
  start(workerData.memory, workerData.module, workerData.names);
} else {
  self.onmessage = (e) => start(e.data.memory, e.data.module, e.data.names);
}
`;
