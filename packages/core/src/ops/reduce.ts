import { dispatch } from '../dispatch.js';
import { type DType, isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { type AxisAttrs, defineOp, type OpDef } from '../op.js';
import { axisArg, checkOptions, type DimOption, isOptionsObject } from '../options.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './copy.js';
import { abs, add, div, exp, log, lt, ne, pow, sqrt, square, sub, where } from './elementwise.js';
import { reshape } from './views.js';

/**
 * Reductions over a set of axes, arg-reductions, cumsum. Attrs always carry normalized axes
 * (sorted, non-negative; all axes when the caller gave none), so backends and autograd rules
 * never re-derive them.
 */
export interface ReduceAttrs {
  axes: number[];
  keepdim: boolean;
}

export interface ArgReduceAttrs {
  /** null: over the flattened tensor. */
  axis: number | null;
  keepdim: boolean;
}

export interface VarAttrs {
  axes: number[];
  correction: number;
  keepdim: boolean;
}

export interface NormAttrs {
  /** Infinity and -Infinity give max |x| and min |x|; 0 counts non-zeros. */
  p: number;
  axes: number[];
  keepdim: boolean;
}

/** PyTorch's keyword form of a reduction's axes: `x.sum({ dim: 1, keepdim: true })`. */
export interface ReduceOptions {
  /** One axis or several; all axes when omitted. */
  dim?: number | readonly number[];
  keepdim?: boolean;
}

/** The axes of a reduction: one, several, or the options object. */
export type ReduceAxes = number | readonly number[] | ReduceOptions;

export interface ArgReduceOptions {
  /** The axis to search along; the flattened tensor when omitted. */
  dim?: number;
  keepdim?: boolean;
}

export interface VarOptions extends ReduceOptions {
  /** Divide by n − correction (1: Bessel's unbiased estimate, 0: population). */
  correction?: number;
}

export interface NormOptions extends ReduceOptions {
  /** The order of the norm (default 2; 'fro' is 2 over the given axes). */
  p?: number | 'fro';
}

/** Shape after reducing `axes`: dropped, or kept as size 1. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

function checkAxes(op: string, x: Tensor, axes: readonly number[]): void {
  if (!Array.isArray(axes)) fail(op, `attrs.axes must be an array of axes, got ${typeof axes}`);
  axes.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= x.rank || (i > 0 && a <= axes[i - 1])) {
      fail(op, `axes [${axes.join(', ')}] must be sorted distinct axes of shape ${fmtShape(x.shape)}`);
    }
  });
}

function checkNonEmpty(op: string, x: Tensor, axes: readonly number[]): void {
  const empty = axes.find((a) => x.shape[a] === 0);
  if (empty !== undefined) {
    fail(
      op,
      `cannot reduce axis ${empty} of size 0 (shape ${fmtShape(x.shape)}): the result has no identity; pass axes that are not empty`,
    );
  }
}

/** sum and prod of bool or i32 give i32, as in PyTorch (which widens to int64). */
function integralOut(_op: string, d: DType): DType {
  return d === 'bool' ? 'i32' : d;
}

/** Ops whose result is fractional compute integer inputs in f32. */
function floatOut(_op: string, d: DType): DType {
  return isFloat(d) ? d : 'f32';
}

function asFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : cast(x, 'f32');
}

function countOf(x: Tensor, axes: readonly number[]): number {
  return axes.reduce((n, a) => n * x.shape[a], 1);
}

interface ReduceDefSpec<A extends { axes: number[]; keepdim: boolean }> {
  name: string;
  out: (op: string, d: DType) => DType;
  nonEmpty?: boolean;
  check?: (x: Tensor, attrs: A) => void;
  decompose?: (x: Tensor, attrs: A) => Tensor;
}

function reduceDef<A extends { axes: number[]; keepdim: boolean }>(spec: ReduceDefSpec<A>): OpDef<A> {
  const decompose = spec.decompose;
  return defineOp<A>({
    name: spec.name,
    differentiable: true,
    infer: ([x], attrs) => {
      checkAxes(spec.name, x, attrs.axes);
      if (spec.nonEmpty) checkNonEmpty(spec.name, x, attrs.axes);
      spec.check?.(x, attrs);
      return [
        { shape: reducedShape(x.shape, attrs.axes, attrs.keepdim), dtype: spec.out(spec.name, x.dtype) },
      ];
    },
    decompose: decompose ? ([x], attrs) => [decompose(asFloatIn(spec, x), attrs)] : undefined,
  });
}

function asFloatIn<A extends { axes: number[]; keepdim: boolean }>(
  spec: ReduceDefSpec<A>,
  x: Tensor,
): Tensor {
  return spec.out === floatOut ? asFloat(x) : x;
}

// ---- definitions ----

export const sumDef = reduceDef<ReduceAttrs>({ name: 'sum', out: integralOut });
export const prodDef = reduceDef<ReduceAttrs>({ name: 'prod', out: integralOut });
export const maxDef = reduceDef<ReduceAttrs>({ name: 'max', out: (_, d) => d, nonEmpty: true });
export const minDef = reduceDef<ReduceAttrs>({ name: 'min', out: (_, d) => d, nonEmpty: true });

export const meanDef = reduceDef<ReduceAttrs>({
  name: 'mean',
  out: floatOut,
  // mean = sum / n; an empty reduction gives 0/0 = NaN, as in PyTorch.
  decompose: (x, { axes, keepdim }) => div(sum(x, axes, keepdim), countOf(x, axes)),
});

function checkCorrection(op: string) {
  return (x: Tensor, { correction }: VarAttrs) => {
    if (!Number.isFinite(correction) || correction < 0) {
      fail(op, `correction must be a finite number >= 0, got ${correction} (input ${fmtShape(x.shape)})`);
    }
  };
}

/** var = Σ(x − mean)² / max(0, n − correction); two passes keep it accurate. */
function varianceOf(x: Tensor, { axes, correction, keepdim }: VarAttrs): Tensor {
  const centered = sub(x, mean(x, axes, true));
  const dof = Math.max(0, countOf(x, axes) - correction);
  return div(sum(square(centered), axes, keepdim), dof);
}

export const varDef = reduceDef<VarAttrs>({
  name: 'var',
  out: floatOut,
  check: checkCorrection('var'),
  decompose: varianceOf,
});

export const stdDef = reduceDef<VarAttrs>({
  name: 'std',
  out: floatOut,
  check: checkCorrection('std'),
  decompose: (x, attrs) => sqrt(varianceOf(x, attrs)),
});

export const logsumexpDef = reduceDef<ReduceAttrs>({
  name: 'logsumexp',
  out: floatOut,
  // m + log Σ exp(x − m) with m the max; an infinite m is replaced by 0 so −inf rows stay −inf.
  decompose: (x, { axes, keepdim }) => {
    if (countOf(x, axes) === 0) return sub(sum(x, axes, keepdim), Number.POSITIVE_INFINITY);
    const m = max(x, axes, true);
    const shift = where(lt(abs(m), Number.POSITIVE_INFINITY), m, 0);
    const s = log(sum(exp(sub(x, shift)), axes, true));
    const r = add(s, shift);
    return keepdim ? r : reshape(r, reducedShape(x.shape, axes, false));
  },
});

export const normDef = reduceDef<NormAttrs>({
  name: 'norm',
  out: floatOut,
  check: (x, { p }) => {
    if (typeof p !== 'number' || Number.isNaN(p))
      fail('norm', `p must be a number, got ${p} (input ${fmtShape(x.shape)})`);
  },
  decompose: (x, { p, axes, keepdim }) => {
    const a = abs(x);
    if (p === Number.POSITIVE_INFINITY) return max(a, axes, keepdim);
    if (p === Number.NEGATIVE_INFINITY) return min(a, axes, keepdim);
    if (p === 0) return sum(cast(ne(x, 0), x.dtype), axes, keepdim);
    if (p === 1) return sum(a, axes, keepdim);
    if (p === 2) return sqrt(sum(square(x), axes, keepdim));
    return pow(sum(pow(a, p), axes, keepdim), 1 / p);
  },
});

function argDef(name: 'argmax' | 'argmin'): OpDef<ArgReduceAttrs> {
  return defineOp<ArgReduceAttrs>({
    name,
    differentiable: false,
    infer: ([x], { axis, keepdim }) => {
      if (x.dtype === 'bool') fail(name, `expected a numeric tensor, got bool (shape ${fmtShape(x.shape)})`);
      if (axis === null) {
        if (x.size === 0) fail(name, `cannot take ${name} of an empty tensor (shape ${fmtShape(x.shape)})`);
        return [{ shape: keepdim ? x.shape.map(() => 1) : [], dtype: 'i32' }];
      }
      if (!Number.isInteger(axis) || axis < 0 || axis >= Math.max(x.rank, 1)) {
        fail(name, `axis ${axis} is out of range for shape ${fmtShape(x.shape)}`);
      }
      const axes = x.rank === 0 ? [] : [axis];
      checkNonEmpty(name, x, axes);
      return [{ shape: reducedShape(x.shape, axes, keepdim), dtype: 'i32' }];
    },
  });
}

export const argmaxDef = argDef('argmax');
export const argminDef = argDef('argmin');

export const cumsumDef = defineOp<AxisAttrs>({
  name: 'cumsum',
  differentiable: true,
  infer: ([x], { axis }) => {
    if (!Number.isInteger(axis) || axis < 0 || axis >= Math.max(x.rank, 1)) {
      fail('cumsum', `axis ${axis} is out of range for shape ${fmtShape(x.shape)}`);
    }
    return [{ shape: [...x.shape], dtype: integralOut('cumsum', x.dtype) }];
  },
});

/** Every reduction-family def, for CORE_OPS. */
export const REDUCE_DEFS: readonly OpDef[] = [
  sumDef,
  meanDef,
  prodDef,
  maxDef,
  minDef,
  argmaxDef,
  argminDef,
  varDef,
  stdDef,
  logsumexpDef,
  normDef,
  cumsumDef,
] as OpDef[];

// ---- functions ----

/** Normalized axes; a 0-d tensor has none to reduce (axis 0 and -1 are accepted, as in PyTorch). */
export function resolveAxes(op: string, x: Tensor, axes?: number | readonly number[]): number[] {
  const all = normalizeAxes(op, axes, x.rank);
  return x.rank === 0 ? [] : all;
}

/**
 * A reduction's attrs from either form of its arguments: positional (`sum(x, 1, true)`) or
 * PyTorch's keywords (`sum(x, { dim: 1, keepdim: true })`).
 */
function reduceArgs(
  op: string,
  x: Tensor,
  axes: ReduceAxes | undefined,
  keepdim: boolean | undefined,
): ReduceAttrs {
  if (isOptionsObject(axes)) {
    checkOptions(op, axes, ['dim', 'keepdim']);
    if (keepdim !== undefined)
      fail(op, 'give keepdim once: in the options object or as the argument after it, not both');
    const o = axes as ReduceOptions;
    return { axes: resolveAxes(op, x, o.dim), keepdim: checkKeepdim(op, o.keepdim ?? false) };
  }
  if (axes !== undefined && typeof axes !== 'number' && !Array.isArray(axes))
    fail(op, `expected an axis, a list of axes or { dim, keepdim }, got ${typeof axes}`);
  return {
    axes: resolveAxes(op, x, axes as number | readonly number[] | undefined),
    keepdim: checkKeepdim(op, keepdim ?? false),
  };
}

function checkKeepdim(op: string, keepdim: unknown): boolean {
  if (typeof keepdim !== 'boolean') fail(op, `keepdim must be a boolean, got ${typeof keepdim}`);
  return keepdim;
}

function reduce<A>(def: OpDef<A>, x: Tensor, attrs: A): Tensor {
  return dispatch(def, [x], attrs)[0];
}

export function sum(x: Tensor, axes?: ReduceAxes, keepdim?: boolean): Tensor {
  return reduce(sumDef, x, reduceArgs('sum', x, axes, keepdim));
}

export function mean(x: Tensor, axes?: ReduceAxes, keepdim?: boolean): Tensor {
  return reduce(meanDef, x, reduceArgs('mean', x, axes, keepdim));
}

export function prod(x: Tensor, axes?: ReduceAxes, keepdim?: boolean): Tensor {
  return reduce(prodDef, x, reduceArgs('prod', x, axes, keepdim));
}

/** Largest value over axes (PyTorch's amax); NaN wins. */
export function max(x: Tensor, axes?: ReduceAxes, keepdim?: boolean): Tensor {
  return reduce(maxDef, x, reduceArgs('max', x, axes, keepdim));
}

/** Smallest value over axes (PyTorch's amin); NaN wins. */
export function min(x: Tensor, axes?: ReduceAxes, keepdim?: boolean): Tensor {
  return reduce(minDef, x, reduceArgs('min', x, axes, keepdim));
}

function argAttrs(
  op: string,
  x: Tensor,
  axis: number | ArgReduceOptions | undefined,
  keepdim: boolean | undefined,
): ArgReduceAttrs {
  let ax = axis as number | undefined;
  let keep = keepdim ?? false;
  if (isOptionsObject(axis)) {
    checkOptions(op, axis, ['dim', 'keepdim']);
    if (keepdim !== undefined)
      fail(op, 'give keepdim once: in the options object or as the argument after it, not both');
    ax = (axis as ArgReduceOptions).dim;
    keep = (axis as ArgReduceOptions).keepdim ?? false;
  } else if (axis !== undefined && typeof axis !== 'number') {
    fail(op, `expected one axis or { dim, keepdim }, got ${Array.isArray(axis) ? 'an array' : typeof axis}`);
  }
  return { axis: ax === undefined ? null : normalizeAxis(op, ax, x.rank), keepdim: checkKeepdim(op, keep) };
}

/** Index (i32) of the first largest value along axis, or in the flattened tensor. */
export function argmax(x: Tensor, axis?: number | ArgReduceOptions, keepdim?: boolean): Tensor<'i32'> {
  return reduce(argmaxDef, x, argAttrs('argmax', x, axis, keepdim)) as Tensor<'i32'>;
}

/** Index (i32) of the first smallest value along axis, or in the flattened tensor. */
export function argmin(x: Tensor, axis?: number | ArgReduceOptions, keepdim?: boolean): Tensor<'i32'> {
  return reduce(argminDef, x, argAttrs('argmin', x, axis, keepdim)) as Tensor<'i32'>;
}

function varAttrs(
  op: string,
  x: Tensor,
  axes: ReduceAxes | undefined,
  options: VarOptions | undefined,
): VarAttrs {
  let o: VarOptions;
  if (isOptionsObject(axes)) {
    if (options !== undefined) fail(op, 'give one options object ({ dim, correction, keepdim }), not two');
    checkOptions(op, axes, ['dim', 'correction', 'keepdim']);
    o = axes as VarOptions;
  } else {
    checkOptions(op, options, ['correction', 'keepdim']);
    o = { ...options, dim: axes as number | readonly number[] | undefined };
  }
  return {
    axes: resolveAxes(op, x, o.dim),
    correction: o.correction ?? 1,
    keepdim: checkKeepdim(op, o.keepdim ?? false),
  };
}

export function variance(
  x: Tensor,
  axes?: number | readonly number[] | VarOptions,
  options?: VarOptions,
): Tensor {
  return reduce(varDef, x, varAttrs('var', x, axes, options));
}

export function std(x: Tensor, axes?: number | readonly number[] | VarOptions, options?: VarOptions): Tensor {
  return reduce(stdDef, x, varAttrs('std', x, axes, options));
}

export function logsumexp(x: Tensor, axes?: ReduceAxes, keepdim?: boolean): Tensor {
  return reduce(logsumexpDef, x, reduceArgs('logsumexp', x, axes, keepdim));
}

/** Vector p-norm over axes ('fro' is p = 2 over the given axes); or `norm(x, { p, dim, keepdim })`. */
export function norm(
  x: Tensor,
  p: number | 'fro' | NormOptions = 2,
  axes?: number | readonly number[],
  keepdim?: boolean,
): Tensor {
  let order: unknown = p;
  let attrs: ReduceAttrs;
  if (isOptionsObject(p)) {
    if (axes !== undefined || keepdim !== undefined)
      fail('norm', 'give p, dim and keepdim in the options object or as arguments, not both');
    const { p: po, ...rest } = p as NormOptions;
    checkOptions('norm', p, ['p', 'dim', 'keepdim']);
    order = po ?? 2;
    attrs = reduceArgs('norm', x, rest, undefined);
  } else {
    attrs = reduceArgs('norm', x, axes, keepdim);
  }
  const pn = order === 'fro' ? 2 : order;
  if (typeof pn !== 'number' || Number.isNaN(pn))
    fail('norm', `p must be a number or 'fro', got ${String(order)} (input ${fmtShape(x.shape)})`);
  return reduce(normDef, x, { p: pn, ...attrs });
}

/** Running sums along an axis: `cumsum(x, 1)` or `cumsum(x, { dim: 1 })`. */
export function cumsum(x: Tensor, axis: number | DimOption): Tensor {
  const ax = axisArg('cumsum', axis);
  if (ax === undefined) fail('cumsum', `give an axis for shape ${fmtShape(x.shape)}`);
  return reduce(cumsumDef, x, { axis: normalizeAxis('cumsum', ax, x.rank) });
}
