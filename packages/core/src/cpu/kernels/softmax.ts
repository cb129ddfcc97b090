import type { AxisAttrs } from '../../op.js';
import type { CoreOpTable } from '../../op-names.js';
import type { ReduceAttrs } from '../../ops/reduce.js';
import { forEachLane, type Lanes, lanesOf } from '../lanes.js';
import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput } from '../types.js';
import { type ExpRows, expRowsWasm, isUnitStride } from '../wasm/softmax.js';

/*
 * The exponential lane kernels: softmax, logSoftmax and logsumexp. On f32 data (f16/bf16 arrive
 * widened to f32) with the backend's WebAssembly SIMD, the exponentials and their sums run as
 * softmax_rows (cpu/wasm/softmax.ts: the SIMD exp of @tessera/core/wasm, sums in f64); otherwise,
 * and for f64, per lane in f64 with Math.exp.
 */

/** softmax_rows over x's lanes, or undefined where the SIMD path does not apply. */
function expRows(x: CpuInput, out: CpuOutput, lanes: Lanes, env: CpuKernelEnv, normalize: boolean) {
  if (!(x.data instanceof Float32Array && out.data instanceof Float32Array)) return undefined;
  if (lanes.inner === 0 || lanes.outer === 0) return undefined;
  const rt = env.wasmModule();
  return rt && expRowsWasm(rt, x, lanes, normalize);
}

/** x − (m + log s) per lane, from the input and the lanes' statistics. */
function logSoftmaxFrom(x: CpuInput, lanes: Lanes, { stats }: ExpRows, dst: CpuOutput['data']): void {
  const src = x.data;
  for (let o = 0; o < lanes.outer; o++) {
    const c = stats[2 * o] + Math.log(stats[2 * o + 1]);
    const from = x.offset + lanes.inOuter[o];
    const to = lanes.outOuter[o];
    for (let k = 0; k < lanes.inner; k++) dst[to + lanes.outInner[k]] = src[from + lanes.inInner[k]] - c;
  }
}

/** The normalized rows copied to the output's lane positions. */
function softmaxFrom(lanes: Lanes, { rows, n4 }: ExpRows, dst: CpuOutput['data']): void {
  const contiguous = isUnitStride(lanes.outInner);
  for (let o = 0; o < lanes.outer; o++) {
    const row = rows.subarray(o * n4, o * n4 + lanes.inner);
    const to = lanes.outOuter[o];
    if (contiguous) dst.set(row, to);
    else for (let k = 0; k < lanes.inner; k++) dst[to + lanes.outInner[k]] = row[k];
  }
}

/**
 * softmax(x)ᵢ = exp(xᵢ − m) / Σ exp(x − m) and logSoftmax(x)ᵢ = xᵢ − m − log Σ exp(x − m) per
 * lane, m the lane max. A lane of −inf gives NaN (0/0), as in PyTorch.
 */
function softmaxKernel(logOut: boolean): CpuKernel<AxisAttrs> {
  return ([x], [out], { axis }, env) => {
    const lanes = lanesOf(x, x.shape.length === 0 ? [] : [axis]);
    const dst = out.data;
    const simd = expRows(x, out, lanes, env, !logOut);
    if (simd) {
      if (logOut) logSoftmaxFrom(x, lanes, simd, dst);
      else softmaxFrom(lanes, simd, dst);
      return;
    }
    const e = new Float64Array(lanes.inner);
    forEachLane(x, lanes, (lane, o) => {
      const base = lanes.outOuter[o];
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < lane.length; k++) if (lane[k] > m || Number.isNaN(lane[k])) m = lane[k];
      let s = 0;
      for (let k = 0; k < lane.length; k++) {
        e[k] = Math.exp(lane[k] - m);
        s += e[k];
      }
      const logS = Math.log(s);
      for (let k = 0; k < lane.length; k++) {
        dst[base + lanes.outInner[k]] = logOut ? lane[k] - m - logS : e[k] / s;
      }
    });
  };
}

/** m + log Σ exp(x − m) from a lane's max m and that sum s; an infinite or NaN m is the result. */
const logSumExpOf = (m: number, s: number): number => (Number.isFinite(m) ? m + Math.log(s) : m);

/** log Σ exp(x) over the reduced axes (−inf for an empty reduction, NaN where any x is NaN). */
const logSumExpKernel: CpuKernel<ReduceAttrs> = ([x], [out], { axes }, env) => {
  const lanes = lanesOf(x, axes);
  const dst = out.data;
  const simd = expRows(x, out, lanes, env, false);
  if (simd) {
    for (let o = 0; o < lanes.outer; o++) dst[o] = logSumExpOf(simd.stats[2 * o], simd.stats[2 * o + 1]);
    return;
  }
  forEachLane(x, lanes, (lane, o) => {
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < lane.length; k++) if (lane[k] > m || Number.isNaN(lane[k])) m = lane[k];
    let s = 0;
    if (Number.isFinite(m)) for (let k = 0; k < lane.length; k++) s += Math.exp(lane[k] - m);
    dst[o] = logSumExpOf(m, s);
  });
};

export const softmaxKernels: CoreOpTable<CpuKernel> = {
  softmax: softmaxKernel(false),
  logSoftmax: softmaxKernel(true),
  logsumexp: logSumExpKernel,
};
