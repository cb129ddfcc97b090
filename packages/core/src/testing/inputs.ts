import type { Context } from '../context.js';
import { type DType, isFloat } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import type { InputSpec } from './types.js';

/** A small deterministic generator (SplitMix32) for test values, independent of core's RNG. */
export function testValues(n: number, seed: number, lo: number, hi: number, integers: boolean): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    const u = z / 2 ** 32;
    out.push(integers ? Math.floor(lo + u * (hi - lo + 1)) : lo + u * (hi - lo));
  }
  return out;
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Values of an input spec at a dtype, before storage rounding. */
export function specValues(spec: InputSpec, dtype: DType, seed: number): number[] {
  // i32 tensors hold integers only (creation rejects fractions), so fixed values are truncated
  // the way a cast would before they are stored.
  if (spec.values) return dtype === 'i32' ? spec.values.map(Math.trunc) : spec.values;
  const n = count(spec.shape);
  if (dtype === 'bool') return testValues(n, seed, 0, 1, true);
  const [lo, hi] = spec.range ?? (isFloat(dtype) ? [-3, 3] : [-9, 9]);
  return testValues(n, seed, lo, hi, !isFloat(dtype));
}

/**
 * Builds the input tensor in the requested layout. The storage behind a non-contiguous layout
 * is arranged so that the view's logical values are exactly `values`.
 */
export function makeInput(
  ctx: Context,
  device: string,
  spec: InputSpec,
  dtype: DType,
  values: number[],
): Tensor {
  const o = { dtype, device, context: ctx };
  const shape = spec.shape;
  const layout = spec.layout ?? 'contiguous';
  if (layout === 'contiguous' || shape.length === 0) return tensor(values, shape, o);
  if (layout === 'transposed') {
    if (shape.length < 2) throw new Error('conformance: a transposed layout needs rank >= 2');
    const r = shape.length;
    const m = shape[r - 2];
    const k = shape[r - 1];
    const outer = count(shape.slice(0, r - 2));
    const stored: number[] = new Array(values.length);
    for (let b = 0; b < outer; b++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < k; j++) stored[b * m * k + j * m + i] = values[b * m * k + i * k + j];
    const swapped = [...shape.slice(0, r - 2), k, m];
    const base = tensor(stored, swapped, o);
    const v = base.transpose(-2, -1);
    base.dispose();
    return v;
  }
  if (layout === 'strided') {
    // Every other element of a last axis twice as long.
    const last = shape[shape.length - 1];
    const outer = count(shape.slice(0, -1));
    const stored: number[] = new Array(outer * last * 2).fill(0);
    for (let b = 0; b < outer; b++)
      for (let j = 0; j < last; j++) stored[b * last * 2 + 2 * j] = values[b * last + j];
    const base = tensor(stored, [...shape.slice(0, -1), last * 2], o);
    const v = base.slice(-1, 0, undefined, 2);
    base.dispose();
    return v;
  }
  // 'offset': rows 1.. of a tensor with one extra leading row.
  const row = count(shape.slice(1));
  const stored = [...new Array(row).fill(0), ...values];
  const base = tensor(stored, [shape[0] + 1, ...shape.slice(1)], o);
  const v = base.slice(0, 1);
  base.dispose();
  return v;
}
