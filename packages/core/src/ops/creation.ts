import type { Context } from '../context.js';
import { defaultContext } from '../default-context.js';
import { emptyTensor, tensorFromStorageArray } from '../dispatch.js';
import {
  allocArray,
  type DType,
  dtypeOfArray,
  encodeElement,
  isDType,
  isFloat,
  type TypedArray,
} from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { philoxNormal, philoxUniform } from '../random.js';
import { checkShape, numel } from '../shape.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { checkInt32Values, encodeValues, I32_MAX, I32_MIN } from './scalar.js';
import { inferReshape } from './views.js';

export interface CreateOptions<D extends DType = DType> {
  dtype?: D;
  device?: string;
  context?: Context;
}

function place(op: string, o: CreateOptions | undefined): { ctx: Context; device: string } {
  const ctx = o?.context ?? defaultContext();
  const device = o?.device ?? ctx.defaultDevice;
  ctx.backend(device, op);
  if (o?.dtype !== undefined && !isDType(o.dtype)) fail(op, `unknown dtype '${String(o.dtype)}'`);
  return { ctx, device };
}

/** Where a creation goes, after checking its size against the context's allocation limit. */
function placeChecked(
  op: string,
  o: CreateOptions | undefined,
  dtype: DType,
  shape: readonly number[],
): { ctx: Context; device: string } {
  const p = place(op, o);
  if (!isDType(dtype)) fail(op, `unknown dtype '${String(dtype)}'`);
  p.ctx.checkAllocation(op, p.device, shape, dtype);
  return p;
}

function make(
  op: string,
  o: CreateOptions | undefined,
  dtype: DType,
  shape: readonly number[],
  values: ArrayLike<number>,
): Tensor {
  const { ctx, device } = placeChecked(op, o, dtype, shape);
  if (dtype === 'i32') checkInt32Values(op, values);
  return tensorFromStorageArray(ctx, device, dtype, shape, encodeValues(dtype, values), true);
}

/**
 * A tensor whose element i is f(i), written straight into one array of dtype's storage format
 * (no staging copy), after the size check.
 */
function generate(
  op: string,
  o: CreateOptions | undefined,
  dtype: DType,
  shape: readonly number[],
  f: (i: number) => number,
): Tensor {
  const { ctx, device } = placeChecked(op, o, dtype, shape);
  const n = numel(shape);
  const out = allocArray(dtype, n);
  if (dtype === 'f32' || dtype === 'f64') for (let i = 0; i < n; i++) out[i] = f(i);
  else {
    for (let i = 0; i < n; i++) {
      const v = f(i);
      if (dtype === 'i32' && !(Number.isInteger(v) && v >= I32_MIN && v <= I32_MAX))
        checkInt32Values(op, [v], `element ${i}`);
      out[i] = encodeElement(dtype, v);
    }
  }
  return tensorFromStorageArray(ctx, device, dtype, shape, out, true);
}

function nestedShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
    if (cur === undefined) break;
  }
  return shape;
}

function flattenNested(op: string, v: NestedArray, shape: number[], depth: number, out: number[]): boolean {
  if (depth === shape.length) {
    if (typeof v === 'boolean') {
      out.push(v ? 1 : 0);
      return true;
    }
    if (typeof v !== 'number')
      fail(op, `expected numbers or booleans, found ${Array.isArray(v) ? 'a nested array' : typeof v}`);
    out.push(v);
    return false;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    fail(
      op,
      `ragged nested array: expected length ${shape[depth]} at depth ${depth} for shape ${fmtShape(shape)}`,
    );
  }
  let allBool = true;
  for (const e of v) allBool = flattenNested(op, e, shape, depth + 1, out) && allBool;
  return allBool;
}

/**
 * A tensor from nested arrays, a typed array or a number. dtype defaults to the typed array's,
 * to bool for booleans, else f32. `shape` reshapes flat data.
 */
export function tensor<D extends DType = DType>(
  data: NestedArray | TypedArray | readonly number[],
  shapeOrOptions?: readonly number[] | CreateOptions<D>,
  options?: CreateOptions<D>,
): Tensor<D> {
  const shapeArg = Array.isArray(shapeOrOptions) ? (shapeOrOptions as readonly number[]) : undefined;
  const opts =
    (Array.isArray(shapeOrOptions) ? options : (shapeOrOptions as CreateOptions<D> | undefined)) ?? {};
  let values: ArrayLike<number>;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    values = arr;
    shape = [arr.length];
    dtype = opts.dtype ?? dtypeOfArray(arr);
    if (arr instanceof Uint16Array && (dtype === 'f16' || dtype === 'bf16')) {
      // Raw half-precision bit patterns: store as given.
      const { ctx, device } = place('tensor', opts);
      const target = shapeArg ? inferReshape('tensor', shape, shapeArg) : shape;
      return tensorFromStorageArray(ctx, device, dtype, target, arr.slice()) as Tensor<D>;
    }
  } else {
    shape = nestedShape(data as NestedArray);
    const flat: number[] = [];
    const allBool = flattenNested('tensor', data as NestedArray, shape, 0, flat);
    values = flat;
    dtype = opts.dtype ?? (allBool && flat.length > 0 ? 'bool' : 'f32');
  }
  if (shapeArg) shape = inferReshape('tensor', shape, shapeArg);
  return make('tensor', opts, dtype, shape, values) as Tensor<D>;
}

function checkedShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) fail(op, `expected a shape array, got ${typeof shape}`);
  checkShape(op, shape);
  return [...shape];
}

/** One array of the storage format holding `value` (zeros come allocated), after the checks. */
function filled(op: string, shape: readonly number[], value: number | boolean, o?: CreateOptions): Tensor {
  const s = checkedShape(op, shape);
  if (typeof value !== 'number' && typeof value !== 'boolean')
    fail(op, `expected a number or a boolean fill value, got ${typeof value}`);
  const dtype = o?.dtype ?? (typeof value === 'boolean' ? 'bool' : 'f32');
  const { ctx, device } = placeChecked(op, o, dtype, s);
  const v = Number(value);
  if (dtype === 'i32') checkInt32Values(op, [v], 'the fill value');
  const enc = encodeElement(dtype, v);
  if (enc === 0 && !Object.is(enc, -0)) return emptyTensor(ctx, ctx.backend(device, op), { shape: s, dtype });
  return tensorFromStorageArray(ctx, device, dtype, s, allocArray(dtype, numel(s)).fill(enc), true);
}

export function full<D extends DType = 'f32'>(
  shape: readonly number[],
  value: number,
  o?: CreateOptions<D>,
): Tensor<D> {
  return filled('full', shape, value, o) as Tensor<D>;
}

export function zeros<D extends DType = 'f32'>(shape: readonly number[], o?: CreateOptions<D>): Tensor<D> {
  return filled('zeros', shape, 0, o) as Tensor<D>;
}

export function ones<D extends DType = 'f32'>(shape: readonly number[], o?: CreateOptions<D>): Tensor<D> {
  return filled('ones', shape, 1, o) as Tensor<D>;
}

function likeOptions<D extends DType>(x: Tensor, o?: CreateOptions<D>): CreateOptions<D> {
  return { dtype: (o?.dtype ?? x.dtype) as D, device: o?.device ?? x.device, context: x.ctx };
}

export function fullLike<D extends DType>(x: Tensor, value: number, o?: CreateOptions<D>): Tensor<D> {
  return filled('fullLike', x.shape, value, likeOptions(x, o)) as Tensor<D>;
}

export function zerosLike<D extends DType>(x: Tensor, o?: CreateOptions<D>): Tensor<D> {
  return filled('zerosLike', x.shape, 0, likeOptions(x, o)) as Tensor<D>;
}

export function onesLike<D extends DType>(x: Tensor, o?: CreateOptions<D>): Tensor<D> {
  return filled('onesLike', x.shape, 1, likeOptions(x, o)) as Tensor<D>;
}

/** Values start, start+step, … below end (PyTorch's arange; one argument means [0, end)). */
export function arange<D extends DType = 'f32'>(
  start: number,
  end?: number,
  step = 1,
  o?: CreateOptions<D>,
): Tensor<D> {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (![lo, hi, step].every(Number.isFinite))
    fail('arange', `start, end and step must be finite, got ${lo}, ${hi}, ${step}`);
  if (step === 0) fail('arange', 'step must not be zero');
  if ((hi - lo) / step < 0) fail('arange', `end ${hi} cannot be reached from start ${lo} with step ${step}`);
  const n = Math.ceil((hi - lo) / step);
  return generate('arange', o, o?.dtype ?? 'f32', [n], (i) => lo + i * step) as Tensor<D>;
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace<D extends DType = 'f32'>(
  start: number,
  end: number,
  steps: number,
  o?: CreateOptions<D>,
): Tensor<D> {
  if (!Number.isInteger(steps) || steps < 0)
    fail('linspace', `steps must be a non-negative integer, got ${steps}`);
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so the last value is exactly `end`.
  return generate('linspace', o, o?.dtype ?? 'f32', [steps], (i) =>
    i < steps / 2 ? start + i * h : end - (steps - 1 - i) * h,
  ) as Tensor<D>;
}

/** Identity matrix n×m (m defaults to n). */
export function eye<D extends DType = 'f32'>(n: number, m: number = n, o?: CreateOptions<D>): Tensor<D> {
  const s = checkedShape('eye', [n, m]);
  return generate('eye', o, o?.dtype ?? 'f32', s, (i) => (i % m === Math.floor(i / m) ? 1 : 0)) as Tensor<D>;
}

function floatDType(op: string, o?: CreateOptions): DType {
  const d = o?.dtype ?? 'f32';
  if (!isFloat(d)) fail(op, `dtype must be floating point, got ${d}`);
  return d;
}

/**
 * n draws from the context's Philox stream, reserving one counter block per four values, after
 * the size check. f32 and f64 draws are written straight into the tensor's array.
 */
function draw(
  op: string,
  shape: readonly number[],
  o: CreateOptions | undefined,
  dtype: DType,
  fill: typeof philoxUniform,
  staging: DType = dtype,
): { ctx: Context; device: string; s: number[]; values: Float32Array | Float64Array } {
  const s = checkedShape(op, shape);
  const { ctx, device } = placeChecked(op, o, dtype, s);
  const values = staging === 'f32' ? new Float32Array(numel(s)) : new Float64Array(numel(s));
  const { key, base } = ctx.rng.reserve(Math.ceil(values.length / 4));
  fill(key, base, values);
  return { ctx, device, s, values };
}

function sample(
  op: string,
  shape: readonly number[],
  o: CreateOptions | undefined,
  fill: typeof philoxUniform,
) {
  const dtype = floatDType(op, o);
  const { ctx, device, s, values } = draw(op, shape, o, dtype, fill);
  const data = dtype === 'f32' || dtype === 'f64' ? values : encodeValues(dtype, values);
  return tensorFromStorageArray(ctx, device, dtype, s, data, true);
}

/** Uniform samples in [0, 1) from the context's Philox stream. */
export function rand<D extends DType = 'f32'>(shape: readonly number[], o?: CreateOptions<D>): Tensor<D> {
  return sample('rand', shape, o, philoxUniform) as Tensor<D>;
}

/** Standard normal samples from the context's Philox stream (Box–Muller). */
export function randn<D extends DType = 'f32'>(shape: readonly number[], o?: CreateOptions<D>): Tensor<D> {
  return sample('randn', shape, o, philoxNormal) as Tensor<D>;
}

/**
 * Integers uniform in [low, high). For i32 (the default) both bounds must lie in i32's range
 * (high may be 2³¹, being exclusive), as PyTorch's int32 randint requires.
 */
export function randint<D extends DType = 'i32'>(
  low: number,
  high: number,
  shape: readonly number[],
  o?: CreateOptions<D>,
): Tensor<D> {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    fail('randint', `expected integers low < high, got low=${low}, high=${high}`);
  }
  const dtype: DType = o?.dtype ?? 'i32';
  if (dtype === 'i32' && (low < I32_MIN || high - 1 > I32_MAX)) {
    fail(
      'randint',
      `bounds [${low}, ${high}) leave i32's range ${I32_MIN} … ${I32_MAX}; draw within it or pass { dtype: 'f64' }`,
    );
  }
  if (high - low > 2 ** 32)
    fail('randint', `the range [${low}, ${high}) is wider than 2^32, more than one draw can cover uniformly`);
  const { ctx, device, s, values } = draw('randint', shape, o, dtype, philoxUniform, 'f64');
  for (let i = 0; i < values.length; i++) values[i] = low + Math.floor(values[i] * (high - low));
  return tensorFromStorageArray(ctx, device, dtype, s, encodeValues(dtype, values), true) as Tensor<D>;
}
