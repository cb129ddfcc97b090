import { dispatch } from '../dispatch.js';
import { type DType, isFloat, promoteTypes, scalarDType } from '../dtype.js';
import { fail } from '../errors.js';
import { erf, erfc, roundHalfEven, sigmoid } from '../math.js';
import { defineOp, type OpDef } from '../op.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { cast } from './copy.js';
import { scalarTensor } from './creation.js';

/**
 * The elementwise template: one entry per op carries the JS scalar function (the CPU kernel
 * is built from it), the WGSL expression (the WebGPU kernel is built from it) and the dtype
 * rule. Adding an elementwise op is adding one entry.
 *
 * Dtype rules: 'float' ops promote integer and bool inputs to f32; 'numeric' ops keep the
 * input dtype and reject bool; 'logical' ops take any dtype and return bool.
 */
export type UnaryDomain = 'float' | 'numeric' | 'logical';

export interface UnaryEntry<A = Record<string, never>> {
  readonly name: string;
  readonly domain: UnaryDomain;
  readonly js: (x: number, attrs: A) => number;
  /** WGSL expression in `x` (f32); may call helpers of the WGSL prelude such as `erf_f32`. */
  readonly wgsl: (attrs: A) => string;
}

export type BinaryKind = 'arith' | 'div' | 'compare' | 'logical';

export interface BinaryEntry {
  readonly name: string;
  readonly kind: BinaryKind;
  readonly js: (a: number, b: number) => number;
  /** WGSL expression in `a` and `b`. */
  readonly wgsl: string;
}

export interface GeluOptions {
  /** 'none': x·Φ(x) with the exact erf; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

export interface SoftplusOptions {
  beta?: number;
  /** Above beta·x > threshold the op is the identity, as in PyTorch. */
  threshold?: number;
}

export interface ClampAttrs {
  min: number;
  max: number;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

function unary<A = Record<string, never>>(e: UnaryEntry<A>): UnaryEntry<A> {
  return Object.freeze(e);
}

export const UNARY = {
  neg: unary({ name: 'neg', domain: 'numeric', js: (x) => -x, wgsl: () => '-x' }),
  abs: unary({ name: 'abs', domain: 'numeric', js: Math.abs, wgsl: () => 'abs(x)' }),
  exp: unary({ name: 'exp', domain: 'float', js: Math.exp, wgsl: () => 'exp(x)' }),
  log: unary({ name: 'log', domain: 'float', js: Math.log, wgsl: () => 'log(x)' }),
  log1p: unary({ name: 'log1p', domain: 'float', js: Math.log1p, wgsl: () => 'log1p_f32(x)' }),
  expm1: unary({ name: 'expm1', domain: 'float', js: Math.expm1, wgsl: () => 'expm1_f32(x)' }),
  sqrt: unary({ name: 'sqrt', domain: 'float', js: Math.sqrt, wgsl: () => 'sqrt(x)' }),
  rsqrt: unary({ name: 'rsqrt', domain: 'float', js: (x) => 1 / Math.sqrt(x), wgsl: () => 'inverseSqrt(x)' }),
  square: unary({ name: 'square', domain: 'numeric', js: (x) => x * x, wgsl: () => 'x * x' }),
  reciprocal: unary({ name: 'reciprocal', domain: 'float', js: (x) => 1 / x, wgsl: () => '1.0 / x' }),
  sin: unary({ name: 'sin', domain: 'float', js: Math.sin, wgsl: () => 'sin(x)' }),
  cos: unary({ name: 'cos', domain: 'float', js: Math.cos, wgsl: () => 'cos(x)' }),
  tanh: unary({ name: 'tanh', domain: 'float', js: Math.tanh, wgsl: () => 'tanh(x)' }),
  sigmoid: unary({ name: 'sigmoid', domain: 'float', js: sigmoid, wgsl: () => 'sigmoid_f32(x)' }),
  relu: unary({ name: 'relu', domain: 'numeric', js: (x) => Math.max(x, 0), wgsl: () => 'max(x, 0.0)' }),
  gelu: unary<Required<GeluOptions>>({
    name: 'gelu',
    domain: 'float',
    // x·Φ(x) = x·erfc(−x/√2)/2, which keeps full relative accuracy for negative x.
    js: (x, a) => (a.approximate === 'tanh' ? geluTanh(x) : 0.5 * x * erfc(-x / Math.SQRT2)),
    wgsl: (a) =>
      a.approximate === 'tanh'
        ? '0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))'
        : '0.5 * x * (1.0 + erf_f32(x * 0.7071067811865476))',
  }),
  silu: unary({ name: 'silu', domain: 'float', js: (x) => x * sigmoid(x), wgsl: () => 'x * sigmoid_f32(x)' }),
  softplus: unary<Required<SoftplusOptions>>({
    name: 'softplus',
    domain: 'float',
    js: (x, a) => (a.beta * x > a.threshold ? x : Math.log1p(Math.exp(a.beta * x)) / a.beta),
    wgsl: (a) => `select(log1p_f32(exp(${a.beta} * x)) / ${a.beta}, x, ${a.beta} * x > ${a.threshold})`,
  }),
  sign: unary({
    name: 'sign',
    domain: 'numeric',
    js: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
    wgsl: () => 'sign(x)',
  }),
  floor: unary({ name: 'floor', domain: 'numeric', js: Math.floor, wgsl: () => 'floor(x)' }),
  ceil: unary({ name: 'ceil', domain: 'numeric', js: Math.ceil, wgsl: () => 'ceil(x)' }),
  round: unary({ name: 'round', domain: 'numeric', js: roundHalfEven, wgsl: () => 'round(x)' }),
  clamp: unary<ClampAttrs>({
    name: 'clamp',
    domain: 'numeric',
    js: (x, a) => (Number.isNaN(x) ? x : Math.min(Math.max(x, a.min), a.max)),
    wgsl: (a) => `clamp(x, ${a.min}, ${a.max})`,
  }),
  logicalNot: unary({
    name: 'logicalNot',
    domain: 'logical',
    js: (x) => (x === 0 ? 1 : 0),
    wgsl: () => 'select(0.0, 1.0, x == 0.0)',
  }),
  erf: unary({ name: 'erf', domain: 'float', js: erf, wgsl: () => 'erf_f32(x)' }),
} as const;

function binary(e: BinaryEntry): BinaryEntry {
  return Object.freeze(e);
}

export const BINARY = {
  add: binary({ name: 'add', kind: 'arith', js: (a, b) => a + b, wgsl: 'a + b' }),
  sub: binary({ name: 'sub', kind: 'arith', js: (a, b) => a - b, wgsl: 'a - b' }),
  mul: binary({ name: 'mul', kind: 'arith', js: (a, b) => a * b, wgsl: 'a * b' }),
  div: binary({ name: 'div', kind: 'div', js: (a, b) => a / b, wgsl: 'a / b' }),
  pow: binary({ name: 'pow', kind: 'arith', js: Math.pow, wgsl: 'pow_f32(a, b)' }),
  maximum: binary({
    name: 'maximum',
    kind: 'arith',
    js: Math.max, // NaN in either operand gives NaN, as in PyTorch
    wgsl: 'max(a, b)',
  }),
  minimum: binary({
    name: 'minimum',
    kind: 'arith',
    js: Math.min,
    wgsl: 'min(a, b)',
  }),
  eq: binary({ name: 'eq', kind: 'compare', js: (a, b) => (a === b ? 1 : 0), wgsl: 'a == b' }),
  ne: binary({ name: 'ne', kind: 'compare', js: (a, b) => (a !== b ? 1 : 0), wgsl: 'a != b' }),
  lt: binary({ name: 'lt', kind: 'compare', js: (a, b) => (a < b ? 1 : 0), wgsl: 'a < b' }),
  le: binary({ name: 'le', kind: 'compare', js: (a, b) => (a <= b ? 1 : 0), wgsl: 'a <= b' }),
  gt: binary({ name: 'gt', kind: 'compare', js: (a, b) => (a > b ? 1 : 0), wgsl: 'a > b' }),
  ge: binary({ name: 'ge', kind: 'compare', js: (a, b) => (a >= b ? 1 : 0), wgsl: 'a >= b' }),
  logicalAnd: binary({
    name: 'logicalAnd',
    kind: 'logical',
    js: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
    wgsl: 'a != 0 && b != 0',
  }),
  logicalOr: binary({
    name: 'logicalOr',
    kind: 'logical',
    js: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
    wgsl: 'a != 0 || b != 0',
  }),
} as const;

export type UnaryName = keyof typeof UNARY;
export type BinaryName = keyof typeof BINARY;

// ---- definitions ----

function unaryOutDType(e: UnaryEntry<never>, d: DType): DType {
  if (e.domain === 'logical') return 'bool';
  if (e.domain === 'float') return isFloat(d) ? d : 'f32';
  if (d === 'bool')
    fail(e.name, `expected a numeric tensor, got bool; cast it first with .cast('i32') or .cast('f32')`);
  return d;
}

function unaryDef<A>(e: UnaryEntry<A>): OpDef<A> {
  return defineOp<A>({
    name: e.name,
    // Piecewise-constant ops have zero gradient; they still need a rule so chains keep flowing.
    differentiable: e.domain !== 'logical',
    infer: ([x]) => [{ shape: [...x.shape], dtype: unaryOutDType(e as UnaryEntry<never>, x.dtype) }],
  });
}

function binaryOutDType(e: BinaryEntry, a: DType, b: DType): DType {
  if (e.kind === 'compare' || e.kind === 'logical') return 'bool';
  const t = promoteTypes(a, b);
  if (e.kind === 'div') return isFloat(t) ? t : 'f32';
  return t === 'bool' ? 'i32' : t;
}

function binaryDef(e: BinaryEntry): OpDef {
  return defineOp({
    name: e.name,
    differentiable: e.kind === 'arith' || e.kind === 'div',
    infer: ([a, b]) => {
      if (e.kind !== 'logical' && a.dtype !== b.dtype) {
        fail(e.name, `inputs must share a dtype after promotion, got ${a.dtype} and ${b.dtype}`);
      }
      return [
        { shape: broadcastShapes(e.name, a.shape, b.shape), dtype: binaryOutDType(e, a.dtype, b.dtype) },
      ];
    },
  });
}

export const UNARY_DEFS = Object.fromEntries(
  Object.entries(UNARY).map(([k, e]) => [k, unaryDef(e as UnaryEntry<unknown>)]),
) as Record<UnaryName, OpDef>;

export const BINARY_DEFS = Object.fromEntries(
  Object.entries(BINARY).map(([k, e]) => [k, binaryDef(e)]),
) as Record<BinaryName, OpDef>;

export const whereDef = defineOp({
  name: 'where',
  differentiable: true,
  infer: ([c, a, b]) => {
    if (c.dtype !== 'bool') fail('where', `condition must be bool, got ${c.dtype}`);
    if (a.dtype !== b.dtype)
      fail('where', `branches must share a dtype after promotion, got ${a.dtype} and ${b.dtype}`);
    return [{ shape: broadcastShapes('where', c.shape, a.shape, b.shape), dtype: a.dtype }];
  },
});

// ---- functions ----

function runUnary<A>(name: UnaryName, x: Tensor, attrs: A): Tensor {
  if (!(x instanceof Tensor)) fail(name, `expected a Tensor, got ${typeof x}`);
  let input = x;
  // Float ops on integer tensors compute in f32, as PyTorch's exp(int_tensor) does.
  if (UNARY[name].domain === 'float' && !isFloat(x.dtype)) input = cast(x, 'f32');
  try {
    return dispatch(UNARY_DEFS[name] as OpDef<A>, [input], attrs)[0];
  } finally {
    if (input !== x) input.dispose();
  }
}

const noAttrs = Object.freeze({});

export const neg = (x: Tensor): Tensor => runUnary('neg', x, noAttrs);
export const abs = (x: Tensor): Tensor => runUnary('abs', x, noAttrs);
export const exp = (x: Tensor): Tensor => runUnary('exp', x, noAttrs);
export const log = (x: Tensor): Tensor => runUnary('log', x, noAttrs);
export const log1p = (x: Tensor): Tensor => runUnary('log1p', x, noAttrs);
export const expm1 = (x: Tensor): Tensor => runUnary('expm1', x, noAttrs);
export const sqrt = (x: Tensor): Tensor => runUnary('sqrt', x, noAttrs);
export const rsqrt = (x: Tensor): Tensor => runUnary('rsqrt', x, noAttrs);
export const square = (x: Tensor): Tensor => runUnary('square', x, noAttrs);
export const reciprocal = (x: Tensor): Tensor => runUnary('reciprocal', x, noAttrs);
export const sin = (x: Tensor): Tensor => runUnary('sin', x, noAttrs);
export const cos = (x: Tensor): Tensor => runUnary('cos', x, noAttrs);
export const tanh = (x: Tensor): Tensor => runUnary('tanh', x, noAttrs);
export const sigmoid_ = (x: Tensor): Tensor => runUnary('sigmoid', x, noAttrs);
export const relu = (x: Tensor): Tensor => runUnary('relu', x, noAttrs);
export const silu = (x: Tensor): Tensor => runUnary('silu', x, noAttrs);
export const sign = (x: Tensor): Tensor => runUnary('sign', x, noAttrs);
export const floor = (x: Tensor): Tensor => runUnary('floor', x, noAttrs);
export const ceil = (x: Tensor): Tensor => runUnary('ceil', x, noAttrs);
export const round = (x: Tensor): Tensor => runUnary('round', x, noAttrs);
export const erf_ = (x: Tensor): Tensor => runUnary('erf', x, noAttrs);
export const logicalNot = (x: Tensor): Tensor<'bool'> => runUnary('logicalNot', x, noAttrs) as Tensor<'bool'>;
export { erf_ as erf, sigmoid_ as sigmoid };

export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    fail('gelu', `approximate must be 'none' or 'tanh', got '${approximate}'`);
  }
  return runUnary('gelu', x, { approximate });
}

export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  const beta = options.beta ?? 1;
  const threshold = options.threshold ?? 20;
  if (!(beta > 0)) fail('softplus', `beta must be positive, got ${beta}`);
  return runUnary('softplus', x, { beta, threshold });
}

/** Limits elements to [min, max]; either bound may be omitted. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined) fail('clamp', 'give at least one of min and max');
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(lo) || Number.isNaN(hi))
    fail('clamp', `bounds must not be NaN, got min=${min}, max=${max}`);
  if (lo > hi) fail('clamp', `min (${lo}) must not exceed max (${hi})`);
  return runUnary('clamp', x, { min: lo, max: hi });
}

/** Converts a scalar to a 0-d tensor beside `like`, with PyTorch's weak scalar typing. */
function asTensor(op: string, v: TensorLike, like: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number' && typeof v !== 'boolean')
    fail(op, `expected a Tensor or a number, got ${typeof v}`);
  return scalarTensor(like, typeof v === 'boolean' ? Number(v) : v, scalarDType(like.dtype, v));
}

/** Brings both operands to one dtype: the kernels see matching inputs on every backend. */
function binaryOperands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) fail(op, 'at least one operand must be a Tensor');
  const ta = asTensor(op, a, b instanceof Tensor ? b : (a as Tensor));
  const tb = asTensor(op, b, ta);
  return [ta, tb];
}

/** x cast to dtype, remembering the cast in temps for disposal; x itself if it already matches. */
function castTemp(x: Tensor, dtype: DType, temps: Tensor[]): Tensor {
  if (x.dtype === dtype) return x;
  const c = cast(x, dtype);
  temps.push(c);
  return c;
}

function runBinary(name: BinaryName, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = binaryOperands(name, a, b);
  const temps: Tensor[] = [];
  if (ta !== a) temps.push(ta);
  if (tb !== b) temps.push(tb);
  try {
    const kind = BINARY[name].kind;
    let common = promoteTypes(ta.dtype, tb.dtype);
    if (kind === 'div' && !isFloat(common)) common = 'f32';
    const x = kind === 'logical' ? ta : castTemp(ta, common, temps);
    const y = kind === 'logical' ? tb : castTemp(tb, common, temps);
    return dispatch(BINARY_DEFS[name], [x, y], noAttrs)[0];
  } finally {
    for (const t of temps) t.dispose();
  }
}

export const add = (a: TensorLike, b: TensorLike): Tensor => runBinary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => runBinary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => runBinary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => runBinary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => runBinary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => runBinary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => runBinary('minimum', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor<'bool'> => runBinary('eq', a, b) as Tensor<'bool'>;
export const ne = (a: TensorLike, b: TensorLike): Tensor<'bool'> => runBinary('ne', a, b) as Tensor<'bool'>;
export const lt = (a: TensorLike, b: TensorLike): Tensor<'bool'> => runBinary('lt', a, b) as Tensor<'bool'>;
export const le = (a: TensorLike, b: TensorLike): Tensor<'bool'> => runBinary('le', a, b) as Tensor<'bool'>;
export const gt = (a: TensorLike, b: TensorLike): Tensor<'bool'> => runBinary('gt', a, b) as Tensor<'bool'>;
export const ge = (a: TensorLike, b: TensorLike): Tensor<'bool'> => runBinary('ge', a, b) as Tensor<'bool'>;
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor<'bool'> =>
  runBinary('logicalAnd', a, b) as Tensor<'bool'>;
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor<'bool'> =>
  runBinary('logicalOr', a, b) as Tensor<'bool'>;

/** Elements of a where condition holds, else of b; all three broadcast together. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(condition instanceof Tensor)) fail('where', 'condition must be a bool Tensor');
  const ta = asTensor('where', a, b instanceof Tensor ? b : condition);
  const tb = asTensor('where', b, ta);
  const temps: Tensor[] = [];
  if (ta !== a) temps.push(ta);
  if (tb !== b) temps.push(tb);
  try {
    const common = promoteTypes(ta.dtype, tb.dtype);
    return dispatch(
      whereDef,
      [condition, castTemp(ta, common, temps), castTemp(tb, common, temps)],
      noAttrs,
    )[0];
  } finally {
    for (const t of temps) t.dispose();
  }
}
