import { numel } from '../shape.js';
import { contiguousStrides } from './strided.js';
import type { CpuInput } from './types.js';

/** Offsets of every element of `shape` under `strides`, in row-major order. */
export function offsetsOf(shape: readonly number[], strides: readonly number[]): Int32Array {
  const n = numel(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * A tensor split into lanes: the elements along `axes` (the inner part) for each position of
 * the other axes (the outer part, in row-major order). Offsets are given for the strided input
 * and for a contiguous output of the input's shape, so lane kernels can scatter results back.
 */
export interface Lanes {
  outer: number;
  inner: number;
  inOuter: Int32Array;
  inInner: Int32Array;
  outOuter: Int32Array;
  outInner: Int32Array;
}

export function lanesOf(x: CpuInput, axes: readonly number[]): Lanes {
  const rank = x.shape.length;
  const kept = Array.from({ length: rank }, (_, i) => i).filter((i) => !axes.includes(i));
  const out = contiguousStrides(x.shape);
  const pick = (dims: number[], src: readonly number[]) => dims.map((d) => src[d]);
  const outerShape = pick(kept, x.shape);
  const innerShape = pick([...axes], x.shape);
  return {
    outer: numel(outerShape),
    inner: numel(innerShape),
    inOuter: offsetsOf(outerShape, pick(kept, x.strides)),
    inInner: offsetsOf(innerShape, pick([...axes], x.strides)),
    outOuter: offsetsOf(outerShape, pick(kept, out)),
    outInner: offsetsOf(innerShape, pick([...axes], out)),
  };
}

/**
 * Calls fn once per lane with its values gathered (in f64) into a scratch array and the lane's
 * outer position. Gathering first keeps every reduction strided-safe and accumulating in f64.
 */
export function forEachLane(x: CpuInput, lanes: Lanes, fn: (lane: Float64Array, o: number) => void): void {
  const lane = new Float64Array(lanes.inner);
  const src = x.data;
  for (let o = 0; o < lanes.outer; o++) {
    const base = x.offset + lanes.inOuter[o];
    for (let k = 0; k < lanes.inner; k++) lane[k] = src[base + lanes.inInner[k]];
    fn(lane, o);
  }
}
