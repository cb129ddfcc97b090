import { fail, fmtShape } from '../../errors.js';
import type { AxisAttrs } from '../../op.js';
import type { CoreOpTable } from '../../op-names.js';
import type { ArgReduceAttrs, NormAttrs, ReduceAttrs, VarAttrs } from '../../ops/reduce.js';
import { isContiguous, numel } from '../../shape.js';
import { forEachLane, lanesOf } from '../lanes.js';
import type { CpuInput, CpuKernel, NumArray } from '../types.js';

type Reducer<A> = (lane: Float64Array, attrs: A) => number;

/** A reduction kernel from a function of one lane (the values along the reduced axes, in f64). */
function laneReduce<A extends { axes: number[] }>(f: Reducer<A>): CpuKernel<A> {
  return ([x], [out], attrs) => {
    const dst = out.data;
    forEachLane(x, lanesOf(x, attrs.axes), (lane, o) => {
      dst[o] = f(lane, attrs);
    });
  };
}

function total(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

/** Largest (sign 1) or smallest (sign −1) value; NaN propagates, as in PyTorch. */
function extreme(v: Float64Array, sign: number): number {
  let m = v[0];
  for (let i = 1; i < v.length; i++) {
    const x = v[i];
    if (sign * x > sign * m || Number.isNaN(x)) {
      if (Number.isNaN(m)) break;
      m = x;
    }
  }
  return m;
}

/** Index of the first extreme value; NaN counts as the extreme, as in PyTorch. */
function argExtreme(v: Float64Array, sign: number): number {
  let best = 0;
  let m = v[0];
  for (let i = 1; i < v.length && !Number.isNaN(m); i++) {
    const x = v[i];
    if (sign * x > sign * m || Number.isNaN(x)) {
      m = x;
      best = i;
    }
  }
  return best;
}

/** Σ(x − mean)² / max(0, n − correction), in two passes. */
function varianceOf(v: Float64Array, { correction }: VarAttrs): number {
  const mu = total(v) / v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - mu) * (v[i] - mu);
  return s / Math.max(0, v.length - correction);
}

/** (Σ|x|ᵖ)^(1/p), with the limits p = ±∞ (max/min |x|) and p = 0 (count of non-zeros). */
function pNorm(v: Float64Array, { p }: NormAttrs): number {
  if (p === Number.POSITIVE_INFINITY || p === Number.NEGATIVE_INFINITY) {
    let m = p > 0 ? 0 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < v.length; i++) {
      const a = Math.abs(v[i]);
      if (Number.isNaN(a)) return a;
      m = p > 0 ? Math.max(m, a) : Math.min(m, a);
    }
    return m;
  }
  let s = 0;
  if (p === 0) {
    for (let i = 0; i < v.length; i++) s += v[i] !== 0 ? 1 : 0;
    return s;
  }
  if (p === 2) {
    for (let i = 0; i < v.length; i++) s += v[i] * v[i];
    return Math.sqrt(s);
  }
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i]) ** p;
  return s ** (1 / p);
}

function argKernel(sign: number): CpuKernel<ArgReduceAttrs> {
  return ([x], [out], { axis }) => {
    const axes = axis === null ? x.shape.map((_, i) => i) : x.shape.length === 0 ? [] : [axis];
    const dst = out.data;
    forEachLane(x, lanesOf(x, axes), (lane, o) => {
      dst[o] = argExtreme(lane, sign);
    });
  };
}

/**
 * Σ over the leading axes of a row-major input (a bias gradient: [batch, features] → [features]), or
 * false for other layouts. Whole rows are added into f64 accumulators in row order, so each output gets
 * the same additions in the same order as the lane loop, without gathering strided lanes.
 */
function sumLeadingAxes(x: CpuInput, axes: readonly number[], dst: NumArray, scale: number): boolean {
  const k = axes.length;
  if (k === 0 || k >= x.shape.length || !isContiguous(x.shape, x.strides)) return false;
  for (let i = 0; i < k; i++) if (!axes.includes(i)) return false;
  const inner = numel(x.shape.slice(k));
  const rows = numel(x.shape.slice(0, k));
  const src = x.data;
  const acc = new Float64Array(inner);
  for (let r = 0, base = x.offset; r < rows; r++, base += inner) {
    for (let j = 0; j < inner; j++) acc[j] += src[base + j];
  }
  for (let j = 0; j < inner; j++) dst[j] = scale === 1 ? acc[j] : acc[j] / scale;
  return true;
}

/**
 * Σ over the trailing axes of a row-major input (an RMS norm's mean of squares: [..., d] → [...]),
 * or false for other layouts: each output sums its contiguous run in order in f64, the same
 * additions as the lane loop, without its offset tables, gathers and per-lane calls.
 */
function sumTrailingAxes(x: CpuInput, axes: readonly number[], dst: NumArray, scale: number): boolean {
  const r = x.shape.length;
  const k = axes.length;
  if (k === 0 || k >= r || !isContiguous(x.shape, x.strides)) return false;
  for (let i = r - k; i < r; i++) if (!axes.includes(i)) return false;
  const inner = numel(x.shape.slice(r - k));
  const src = x.data;
  for (let o = 0, base = x.offset; o < dst.length; o++, base += inner) {
    let s = 0;
    for (let j = 0; j < inner; j++) s += src[base + j];
    dst[o] = scale === 1 ? s : s / scale;
  }
  return true;
}

/** sum (divisor 1) or mean (divisor n): the leading- and trailing-axes fast paths, else the lane loop. */
function sumKernel(mean: boolean): CpuKernel<ReduceAttrs> {
  const lanes = laneReduce<ReduceAttrs>(mean ? (v) => total(v) / v.length : total);
  return (inputs, outputs, attrs, env) => {
    const [x] = inputs;
    const n = numel(attrs.axes.map((a) => x.shape[a]));
    const dst = outputs[0].data;
    const scale = mean ? n : 1;
    if (!sumLeadingAxes(x, attrs.axes, dst, scale) && !sumTrailingAxes(x, attrs.axes, dst, scale))
      lanes(inputs, outputs, attrs, env);
  };
}

/** Running sums along one axis, accumulated in f64. */
const cumsumKernel: CpuKernel<AxisAttrs> = ([x], [out], { axis }) => {
  const lanes = lanesOf(x, x.shape.length === 0 ? [] : [axis]);
  const dst = out.data;
  forEachLane(x, lanes, (lane, o) => {
    const base = lanes.outOuter[o];
    let s = 0;
    for (let k = 0; k < lane.length; k++) {
      s += lane[k];
      dst[base + lanes.outInner[k]] = s;
    }
  });
};

/**
 * An i32 result computed exactly (the kernels accumulate in f64) and checked: a sum, product or
 * running sum that leaves i32's range is an error naming the op and the value, where PyTorch
 * would widen to int64 (Tessera has no i64). Other dtypes run the kernel as it is.
 */
function exactI32<A>(op: string, kernel: CpuKernel<A>): CpuKernel<A> {
  return (inputs, outputs, attrs, env) => {
    const [out] = outputs;
    if (out.dtype !== 'i32') {
      kernel(inputs, outputs, attrs, env);
      return;
    }
    const wide = new Float64Array(out.data.length);
    kernel(inputs, [{ ...out, data: wide, dtype: 'f64' }], attrs, env);
    for (let i = 0; i < wide.length; i++) {
      const v = wide[i];
      if (v > 2147483647 || v < -2147483648) {
        fail(
          op,
          `the i32 result at output index ${i} is ${v}, outside i32's range -2147483648 … 2147483647 (input shape ${fmtShape(inputs[0].shape)}); cast the input to 'f64' first (PyTorch widens to int64)`,
        );
      }
    }
    out.data.set(wide);
  };
}

export const reduceKernels: CoreOpTable<CpuKernel> = {
  sum: exactI32('sum', sumKernel(false)),
  mean: sumKernel(true),
  prod: exactI32(
    'prod',
    laneReduce<ReduceAttrs>((v) => {
      let p = 1;
      for (let i = 0; i < v.length; i++) p *= v[i];
      return p;
    }),
  ),
  max: laneReduce<ReduceAttrs>((v) => extreme(v, 1)),
  min: laneReduce<ReduceAttrs>((v) => extreme(v, -1)),
  argmax: argKernel(1),
  argmin: argKernel(-1),
  var: laneReduce<VarAttrs>(varianceOf),
  std: laneReduce<VarAttrs>((v, a) => Math.sqrt(varianceOf(v, a))),
  norm: laneReduce<NormAttrs>(pNorm),
  cumsum: exactI32('cumsum', cumsumKernel),
};
