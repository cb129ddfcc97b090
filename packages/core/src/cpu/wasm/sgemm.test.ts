import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rng.js';
import { WasmModule } from '../../wasm/wasm-module.js';
import { coreKernelFunctions } from './kernels.js';
import { sgemmFunctions, sgemmWasm } from './sgemm.js';
import { GEMM_SHAPES } from './sgemm-kernel.js';

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

  it('every register tile shape gives the product, bit-identical among shapes of one chunk length', () => {
    // m, n, k off every tile size and past one k block (KC = 256); A row-major and transposed.
    const [m, k, n] = [29, 300, 21];
    const a = data(m * k, 3);
    const b = data(k * n, 4);
    // f64 reference: row i of A against column j of B.
    const column = (j: number) => Array.from({ length: k }, (_, p) => b[p * n + j]);
    const columns = Array.from({ length: n }, (_, j) => column(j));
    const ref = Float64Array.from({ length: m * n }, (_, at) =>
      columns[at % n].reduce((s, x, p) => s + a[Math.floor(at / n) * k + p] * x, 0),
    );
    const aT = new Float32Array(m * k);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT[p * m + i] = a[i * k + p];
    const B = { data: b, offsets: [0], rs: n, cs: 1 };
    const byChunk = new Map<number, number[]>();
    for (const shape of GEMM_SHAPES) {
      const mod = WasmModule.create(1, (f) => sgemmFunctions(f, [shape]), { relaxedSimd: false })!;
      const rows = new Float32Array(m * n);
      const cols = new Float32Array(m * n);
      expect(sgemmWasm(mod, m, n, k, 1, { data: a, offsets: [0], rs: k, cs: 1 }, B, rows)).toBe(true);
      expect(sgemmWasm(mod, m, n, k, 1, { data: aT, offsets: [0], rs: 1, cs: m }, B, cols)).toBe(true);
      mod.dispose();
      let worst = 0;
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(rows[i] - ref[i]));
      expect(worst, `${shape.mr}x${shape.kchunk}`).toBeLessThan(1e-5);
      expect(Array.from(cols)).toEqual(Array.from(rows));
      const same = byChunk.get(shape.kchunk);
      if (same) expect(Array.from(rows)).toEqual(same);
      else byChunk.set(shape.kchunk, Array.from(rows));
    }
  });

  it('a long sum (k ≥ 1,024: chunks of 64) stays within 1e-5 of f64', () => {
    const [m, k, n] = [9, 1100, 13];
    const a = data(m * k, 5);
    const b = data(k * n, 6);
    const out = new Float32Array(m * n);
    expect(
      sgemmWasm(
        rt,
        m,
        n,
        k,
        1,
        { data: a, offsets: [0], rs: k, cs: 1 },
        { data: b, offsets: [0], rs: n, cs: 1 },
        out,
      ),
    ).toBe(true);
    let worst = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let p = 0; p < k; p++) dot += a[i * k + p] * b[p * n + j];
        worst = Math.max(worst, Math.abs(out[i * n + j] - dot));
      }
    expect(worst).toBeLessThan(1e-5);
  });
});
