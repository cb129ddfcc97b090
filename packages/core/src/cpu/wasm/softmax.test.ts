import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../default-context.js';
import { tensor } from '../../ops/creation.js';
import { logsumexp } from '../../ops/reduce.js';
import { logSoftmax, softmax } from '../../ops/softmax.js';
import { Rng } from '../../rng.js';
import { WasmModule } from '../../wasm/wasm-module.js';
import type { CpuBackend } from '../backend.js';
import { lanesOf } from '../lanes.js';
import { coreKernelFunctions } from './kernels.js';
import { expRowsWasm } from './softmax.js';

function values(n: number, seed: number, scale = 8): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-0.5, 0.5) * scale);
}

/** Lane o of an [r, c] array along `axis`, in f64. */
function lane(x: ArrayLike<number>, [r, c]: number[], axis: number, o: number): number[] {
  return axis === 1
    ? Array.from({ length: c }, (_, k) => x[o * c + k])
    : Array.from({ length: r }, (_, k) => x[k * c + o]);
}

/** log Σ exp by the definition, shifted by the max, in f64. */
function refLse(v: number[]): number {
  const m = Math.max(...v);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

describe('softmax_rows (the SIMD exponential over lanes)', () => {
  const rt = WasmModule.create(2, coreKernelFunctions)!;
  afterAll(() => rt.dispose());

  for (const axis of [1, 0]) {
    it(`gives each lane's max, Σ e^(x − m) and the normalized row: [300, 257] along axis ${axis}`, () => {
      // 300 × 260 padded floats: above the parallel threshold, so the rows are split into tasks.
      const [r, c] = [300, 257];
      const data = values(r * c, 7 + axis);
      const x = { data, shape: [r, c], strides: [c, 1], offset: 0, dtype: 'f32' as const };
      const lanes = lanesOf(x, [axis]);
      const got = expRowsWasm(rt, x, lanes, true)!;
      let worstSum = 0;
      let worstRow = 0;
      for (let o = 0; o < lanes.outer; o++) {
        const v = lane(data, [r, c], axis, o);
        const m = Math.max(...v);
        const e = v.map((t) => Math.exp(t - m));
        const s = e.reduce((a, b) => a + b, 0);
        expect(got.stats[2 * o]).toBe(m);
        worstSum = Math.max(worstSum, Math.abs(got.stats[2 * o + 1] - s) / s);
        e.forEach((t, k) => {
          worstRow = Math.max(worstRow, Math.abs(got.rows[o * got.n4 + k] - t / s));
        });
      }
      expect(worstSum).toBeLessThan(1e-6);
      expect(worstRow).toBeLessThan(1e-7);
    });
  }
});

describe('softmax, logSoftmax and logsumexp on the SIMD path', () => {
  const ctx = createContext({ cpu: { threads: 2 } });
  afterAll(() => (ctx.backend('cpu') as CpuBackend).dispose());

  it('match the f64 definitions within the conformance tolerance, long rows on two threads', () => {
    const [r, c] = [40, 1001];
    const data = values(r * c, 3, 30);
    const x = tensor(data, [r, c], { context: ctx });
    for (const axis of [1, 0]) {
      const n = axis === 1 ? r : c;
      const sm = softmax(x, axis).dataSync();
      const lsm = logSoftmax(x, axis).dataSync();
      const lse = logsumexp(x, axis).dataSync();
      // The worst error relative to max(1, |expected|), the suite's measure.
      let worst = 0;
      const err = (got: number, want: number) => {
        worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
      };
      for (let o = 0; o < n; o++) {
        const v = lane(data, [r, c], axis, o);
        const want = refLse(v);
        err(lse[o], want);
        for (let k = 0; k < v.length; k++) {
          const at = axis === 1 ? o * c + k : k * c + o;
          err(lsm[at], v[k] - want);
          err(sm[at], Math.exp(v[k] - want));
        }
      }
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('keep PyTorch’s NaN for a −∞ lane and for a lane with NaN, and logsumexp’s −∞', () => {
    const inf = Number.POSITIVE_INFINITY;
    const x = tensor([-inf, -inf, 1, Number.NaN, 2, 0, 1, 2, 3], [9], { context: ctx });
    const rows = tensor([-inf, -inf, -inf, 0, Number.NaN, 1], [2, 3], { context: ctx });
    expect(Array.from(logsumexp(rows, 1).dataSync())).toEqual([-inf, Number.NaN]);
    expect(Array.from(softmax(rows, 1).dataSync()).every(Number.isNaN)).toBe(true);
    expect(Array.from(logSoftmax(rows, 1).dataSync()).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(logsumexp(x, 0).dataSync()[0])).toBe(true);
  });
});
