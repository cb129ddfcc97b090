import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import { WasmModule } from '../../wasm/wasm-module.js';
import { coreKernelFunctions } from './kernels.js';
import { sgemmWasm } from './sgemm.js';

/** sgemmWasm itself, where the op-level tests cannot reach cheaply: many jobs per product. */
describe('sgemmWasm', () => {
  const rt = WasmModule.create(2, coreKernelFunctions)!;
  afterAll(() => rt.dispose());

  function data(n: number, seed: number): Float32Array {
    const rng = new Rng(seed);
    return Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5));
  }

  it('splits a broadcast batch into jobs with double-buffered results, matching one job', () => {
    const [batches, m, k, n] = [7, 70, 120, 130]; // m·n·k above the parallel threshold
    const a = data(batches * m * k, 1);
    const b = data(k * n, 2);
    const A = { data: a, offsets: Array.from({ length: batches }, (_, t) => t * m * k), rs: k, cs: 1 };
    const B = { data: b, offsets: new Array<number>(batches).fill(0), rs: n, cs: 1 };
    const whole = new Float32Array(batches * m * n);
    const split = new Float32Array(batches * m * n);
    expect(sgemmWasm(rt, m, n, k, batches, A, B, whole)).toBe(true);
    // Two batches' worth of C per job: four jobs, the last one short.
    expect(sgemmWasm(rt, m, n, k, batches, A, B, split, 2 * 72 * 136 * 4)).toBe(true);
    expect(Array.from(split)).toEqual(Array.from(whole));
    let worst = 0;
    for (let t = 0; t < batches; t++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[(t * m + i) * k + p] * b[p * n + j];
          worst = Math.max(worst, Math.abs(whole[(t * m + i) * n + j] - s));
        }
    expect(worst).toBeLessThan(1e-5);
  });
});
