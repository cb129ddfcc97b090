import type { Context } from '../context.js';
import { defaultContext } from '../default-context.js';
import { emptyTensor, tensorFromStorageArray } from '../dispatch.js';
import {
  allocArray,
  type DType,
  type DTypeName,
  type DTypeOf,
  dtypeOfArray,
  encodeElement,
  isFloat,
  resolveDType,
  type TypedArray,
} from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { checkOptions } from '../options.js';
import { philoxNormal, philoxUniform } from '../random.js';
import { checkShape, numel } from '../shape.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { checkInt32Values, encodeValues, I32_MAX, I32_MIN } from './scalar.js';
import { inferReshape } from './views.js';

export interface CreateOptions<D extends DTypeName = DTypeName> {
  /** A dtype by its short or its PyTorch name: `'f32'` or `'float32'`, `'i32'` or `'int32'`, … */
  dtype?: D;
  device?: string;
  context?: Context;
  /**
   * Make a leaf that takes gradients (floating dtypes only). Needs a gradient engine on the
   * context: `enableAutograd()` from @tessera/autograd.
   */
  requiresGrad?: boolean;
}

const CREATE_KEYS = ['dtype', 'device', 'context', 'requiresGrad'] as const;

/** Creation options checked and resolved before any work: known keys, a known dtype and device. */
interface Placement {
  ctx: Context;
  device: string;
  dtype: DType | undefined;
  requiresGrad: boolean;
}

function place(op: string, o: CreateOptions | undefined): Placement {
  checkOptions(op, o, CREATE_KEYS);
  const ctx = o?.context ?? defaultContext();
  const device = o?.device ?? ctx.defaultDevice;
  ctx.backend(device, op);
  const dtype = o?.dtype === undefined ? undefined : resolveDType(op, o.dtype);
  const requiresGrad = o?.requiresGrad ?? false;
  if (typeof requiresGrad !== 'boolean')
    fail(op, `requiresGrad must be a boolean, got ${typeof requiresGrad}`);
  // Without an engine, fail before any work; the dtype is checked once it is known (`checked`).
  if (requiresGrad) ctx.requireGradientEngine(op);
  return { ctx, device, dtype, requiresGrad };
}

/** The placement after checking the dtype takes gradients if asked, and the size against the allocation limit. */
function checked(op: string, p: Placement, dtype: DType, shape: readonly number[]): Placement {
  if (p.requiresGrad && !isFloat(dtype))
    fail(op, `only floating tensors take gradients; requiresGrad was asked of a ${dtype} tensor`);
  p.ctx.checkAllocation(op, p.device, shape, dtype);
  return p;
}

/** A new tensor over `data` (dtype's storage format, given away), a gradient leaf if asked. */
function finish(op: string, p: Placement, dtype: DType, shape: readonly number[], data: TypedArray): Tensor {
  const t = tensorFromStorageArray(p.ctx, p.device, dtype, shape, data, true);
  if (p.requiresGrad) p.ctx.requireGradientEngine(op).setRequiresGrad(t, true);
  return t;
}

function make(
  op: string,
  p: Placement,
  dtype: DType,
  shape: readonly number[],
  values: ArrayLike<number>,
): Tensor {
  checked(op, p, dtype, shape);
  if (dtype === 'i32') checkInt32Values(op, values);
  return finish(op, p, dtype, shape, encodeValues(dtype, values));
}

/**
 * A tensor whose element i is f(i), written straight into one array of dtype's storage format
 * (no staging copy), after the size check.
 */
function generate(
  op: string,
  p: Placement,
  dtype: DType,
  shape: readonly number[],
  f: (i: number) => number,
): Tensor {
  checked(op, p, dtype, shape);
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
  return finish(op, p, dtype, shape, out);
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
export function tensor<N extends DTypeName = DType>(
  data: NestedArray | TypedArray | readonly number[],
  shapeOrOptions?: readonly number[] | CreateOptions<N>,
  options?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  const shapeArg = Array.isArray(shapeOrOptions) ? (shapeOrOptions as readonly number[]) : undefined;
  const p = place('tensor', Array.isArray(shapeOrOptions) ? options : (shapeOrOptions as CreateOptions));
  let values: ArrayLike<number>;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    values = arr;
    shape = [arr.length];
    dtype = p.dtype ?? dtypeOfArray(arr);
    if (arr instanceof Uint16Array && (dtype === 'f16' || dtype === 'bf16')) {
      // Raw half-precision bit patterns: store as given.
      const target = shapeArg ? inferReshape('tensor', shape, shapeArg) : shape;
      checked('tensor', p, dtype, target);
      return finish('tensor', p, dtype, target, arr.slice()) as Tensor<DTypeOf<N>>;
    }
  } else {
    shape = nestedShape(data as NestedArray);
    const flat: number[] = [];
    const allBool = flattenNested('tensor', data as NestedArray, shape, 0, flat);
    values = flat;
    dtype = p.dtype ?? (allBool && flat.length > 0 ? 'bool' : 'f32');
  }
  if (shapeArg) shape = inferReshape('tensor', shape, shapeArg);
  return make('tensor', p, dtype, shape, values) as Tensor<DTypeOf<N>>;
}

function checkedShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) fail(op, `expected a shape array, got ${typeof shape}`);
  checkShape(op, shape);
  return [...shape];
}

/** One array of the storage format holding `value` (zeros come allocated), after the checks. */
function filled(
  op: string,
  shape: readonly number[],
  value: number | boolean,
  o: CreateOptions | undefined,
  like?: Tensor,
): Tensor {
  const p = place(op, o);
  const s = checkedShape(op, shape);
  if (typeof value !== 'number' && typeof value !== 'boolean')
    fail(op, `expected a number or a boolean fill value, got ${typeof value}`);
  const dtype = p.dtype ?? like?.dtype ?? (typeof value === 'boolean' ? 'bool' : 'f32');
  checked(op, p, dtype, s);
  const v = Number(value);
  if (dtype === 'i32') checkInt32Values(op, [v], 'the fill value');
  const enc = encodeElement(dtype, v);
  if (enc === 0 && !Object.is(enc, -0) && !p.requiresGrad)
    return emptyTensor(p.ctx, p.ctx.backend(p.device, op), { shape: s, dtype });
  return finish(op, p, dtype, s, allocArray(dtype, numel(s)).fill(enc));
}

export function full<N extends DTypeName = 'f32'>(
  shape: readonly number[],
  value: number,
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  return filled('full', shape, value, o) as Tensor<DTypeOf<N>>;
}

export function zeros<N extends DTypeName = 'f32'>(
  shape: readonly number[],
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  return filled('zeros', shape, 0, o) as Tensor<DTypeOf<N>>;
}

export function ones<N extends DTypeName = 'f32'>(
  shape: readonly number[],
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  return filled('ones', shape, 1, o) as Tensor<DTypeOf<N>>;
}

/** x's dtype, device and context unless the options say otherwise. */
function likeOptions(op: string, x: Tensor, o: CreateOptions | undefined): CreateOptions {
  checkOptions(op, o, ['dtype', 'device', 'requiresGrad']);
  return { ...o, device: o?.device ?? x.device, context: x.ctx };
}

export function fullLike<N extends DTypeName = DType>(
  x: Tensor,
  value: number,
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  return filled('fullLike', x.shape, value, likeOptions('fullLike', x, o), x) as Tensor<DTypeOf<N>>;
}

export function zerosLike<N extends DTypeName = DType>(x: Tensor, o?: CreateOptions<N>): Tensor<DTypeOf<N>> {
  return filled('zerosLike', x.shape, 0, likeOptions('zerosLike', x, o), x) as Tensor<DTypeOf<N>>;
}

export function onesLike<N extends DTypeName = DType>(x: Tensor, o?: CreateOptions<N>): Tensor<DTypeOf<N>> {
  return filled('onesLike', x.shape, 1, likeOptions('onesLike', x, o), x) as Tensor<DTypeOf<N>>;
}

/** Values start, start+step, … below end (PyTorch's arange; one argument means [0, end)). */
export function arange<N extends DTypeName = 'f32'>(
  start: number,
  end?: number,
  step = 1,
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  const p = place('arange', o);
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (![lo, hi, step].every(Number.isFinite))
    fail('arange', `start, end and step must be finite, got ${lo}, ${hi}, ${step}`);
  if (step === 0) fail('arange', 'step must not be zero');
  if ((hi - lo) / step < 0) fail('arange', `end ${hi} cannot be reached from start ${lo} with step ${step}`);
  const n = Math.ceil((hi - lo) / step);
  return generate('arange', p, p.dtype ?? 'f32', [n], (i) => lo + i * step) as Tensor<DTypeOf<N>>;
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace<N extends DTypeName = 'f32'>(
  start: number,
  end: number,
  steps: number,
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  const p = place('linspace', o);
  if (!Number.isInteger(steps) || steps < 0)
    fail('linspace', `steps must be a non-negative integer, got ${steps}`);
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so the last value is exactly `end`.
  return generate('linspace', p, p.dtype ?? 'f32', [steps], (i) =>
    i < steps / 2 ? start + i * h : end - (steps - 1 - i) * h,
  ) as Tensor<DTypeOf<N>>;
}

/** Identity matrix n×m (m defaults to n). */
export function eye<N extends DTypeName = 'f32'>(
  n: number,
  m: number = n,
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  const p = place('eye', o);
  const s = checkedShape('eye', [n, m]);
  return generate('eye', p, p.dtype ?? 'f32', s, (i) => (i % m === Math.floor(i / m) ? 1 : 0)) as Tensor<
    DTypeOf<N>
  >;
}

function floatDType(op: string, p: Placement): DType {
  const d = p.dtype ?? 'f32';
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
  p: Placement,
  dtype: DType,
  fill: typeof philoxUniform,
  staging: DType = dtype,
): { s: number[]; values: Float32Array | Float64Array } {
  const s = checkedShape(op, shape);
  checked(op, p, dtype, s);
  const values = staging === 'f32' ? new Float32Array(numel(s)) : new Float64Array(numel(s));
  const { key, base } = p.ctx.rng.reserve(Math.ceil(values.length / 4));
  fill(key, base, values);
  return { s, values };
}

function sample(
  op: string,
  shape: readonly number[],
  o: CreateOptions | undefined,
  fill: typeof philoxUniform,
) {
  const p = place(op, o);
  const dtype = floatDType(op, p);
  const { s, values } = draw(op, shape, p, dtype, fill);
  const data = dtype === 'f32' || dtype === 'f64' ? values : encodeValues(dtype, values);
  return finish(op, p, dtype, s, data);
}

/** Uniform samples in [0, 1) from the context's Philox stream. */
export function rand<N extends DTypeName = 'f32'>(
  shape: readonly number[],
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  return sample('rand', shape, o, philoxUniform) as Tensor<DTypeOf<N>>;
}

/** Standard normal samples from the context's Philox stream (Box–Muller). */
export function randn<N extends DTypeName = 'f32'>(
  shape: readonly number[],
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  return sample('randn', shape, o, philoxNormal) as Tensor<DTypeOf<N>>;
}

/**
 * Integers uniform in [low, high). For i32 (the default) both bounds must lie in i32's range
 * (high may be 2³¹, being exclusive), as PyTorch's int32 randint requires.
 */
export function randint<N extends DTypeName = 'i32'>(
  low: number,
  high: number,
  shape: readonly number[],
  o?: CreateOptions<N>,
): Tensor<DTypeOf<N>> {
  const p = place('randint', o);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    fail('randint', `expected integers low < high, got low=${low}, high=${high}`);
  }
  const dtype: DType = p.dtype ?? 'i32';
  if (dtype === 'i32' && (low < I32_MIN || high - 1 > I32_MAX)) {
    fail(
      'randint',
      `bounds [${low}, ${high}) leave i32's range ${I32_MIN} … ${I32_MAX}; draw within it or pass { dtype: 'f64' }`,
    );
  }
  if (high - low > 2 ** 32)
    fail('randint', `the range [${low}, ${high}) is wider than 2^32, more than one draw can cover uniformly`);
  const { s, values } = draw('randint', shape, p, dtype, philoxUniform, 'f64');
  for (let i = 0; i < values.length; i++) values[i] = low + Math.floor(values[i] * (high - low));
  return finish('randint', p, dtype, s, encodeValues(dtype, values)) as Tensor<DTypeOf<N>>;
}
