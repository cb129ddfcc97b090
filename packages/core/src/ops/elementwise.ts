import { dispatch } from '../dispatch.js';
import { type DType, isFloat, promoteTypes, scalarDType } from '../dtype.js';
import { fail } from '../errors.js';
import { describeNonTensor, isTensor } from '../is-tensor.js';
import { defineOp, type OpDef } from '../op.js';
import { checkOptions, isOptionsObject } from '../options.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { cast } from './copy.js';
import {
  BINARY,
  type BinaryEntry,
  type BinaryName,
  type GeluOptions,
  type SoftplusOptions,
  UNARY,
  type UnaryEntry,
  type UnaryName,
} from './elementwise-table.js';
import { scalarTensor } from './scalar.js';

export {
  BINARY,
  type BinaryEntry,
  type BinaryKind,
  type BinaryName,
  type ClampAttrs,
  type GeluOptions,
  type SoftplusOptions,
  UNARY,
  type UnaryDomain,
  type UnaryEntry,
  type UnaryName,
} from './elementwise-table.js';

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
  if (!isTensor(x)) fail(name, `expected a Tensor, got ${describeNonTensor(x)}`);
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
export const sigmoid = (x: Tensor): Tensor => runUnary('sigmoid', x, noAttrs);
export const relu = (x: Tensor): Tensor => runUnary('relu', x, noAttrs);
export const silu = (x: Tensor): Tensor => runUnary('silu', x, noAttrs);
export const sign = (x: Tensor): Tensor => runUnary('sign', x, noAttrs);
export const floor = (x: Tensor): Tensor => runUnary('floor', x, noAttrs);
export const ceil = (x: Tensor): Tensor => runUnary('ceil', x, noAttrs);
export const round = (x: Tensor): Tensor => runUnary('round', x, noAttrs);
export const erf = (x: Tensor): Tensor => runUnary('erf', x, noAttrs);
export const logicalNot = (x: Tensor): Tensor<'bool'> => runUnary('logicalNot', x, noAttrs) as Tensor<'bool'>;

export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkOptions('gelu', options, ['approximate']);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    fail('gelu', `approximate must be 'none' or 'tanh', got '${approximate}'`);
  }
  return runUnary('gelu', x, { approximate });
}

export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  checkOptions('softplus', options, ['beta', 'threshold']);
  const beta = options.beta ?? 1;
  const threshold = options.threshold ?? 20;
  if (!(beta > 0)) fail('softplus', `beta must be positive, got ${beta}`);
  return runUnary('softplus', x, { beta, threshold });
}

/** PyTorch's keywords of clamp: `x.clamp({ min: 0 })`. */
export interface ClampOptions {
  min?: number;
  max?: number;
}

/** Limits elements to [min, max]; either bound may be omitted: `clamp(x, 0, 1)` or `clamp(x, { max: 1 })`. */
export function clamp(x: Tensor, minOrOptions?: number | ClampOptions, maxArg?: number): Tensor {
  let min = minOrOptions as number | undefined;
  let max = maxArg;
  if (isOptionsObject(minOrOptions)) {
    checkOptions('clamp', minOrOptions, ['min', 'max']);
    if (maxArg !== undefined)
      fail('clamp', 'give min and max in the options object or as arguments, not both');
    ({ min, max } = minOrOptions as ClampOptions);
  }
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
  if (isTensor(v)) return v;
  if (typeof v !== 'number' && typeof v !== 'boolean')
    fail(op, `expected a Tensor or a number, got ${describeNonTensor(v)}`);
  return scalarTensor(like, typeof v === 'boolean' ? Number(v) : v, scalarDType(like.dtype, v), op);
}

/** Brings both operands to one dtype: the kernels see matching inputs on every backend. */
function binaryOperands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (!isTensor(a) && !isTensor(b)) fail(op, 'at least one operand must be a Tensor');
  const ta = asTensor(op, a, isTensor(b) ? b : (a as Tensor));
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

/**
 * Arithmetic on two bool tensors follows PyTorch: add and maximum are logical or, mul and
 * minimum logical and (all giving bool); sub and pow are errors.
 */
const BOOL_ARITH: Partial<Record<BinaryName, BinaryName>> = {
  add: 'logicalOr',
  maximum: 'logicalOr',
  mul: 'logicalAnd',
  minimum: 'logicalAnd',
};

function checkBoolArith(name: BinaryName, a: Tensor, b: Tensor): BinaryName {
  if (a.dtype !== 'bool' || b.dtype !== 'bool' || BINARY[name].kind !== 'arith') return name;
  const as = BOOL_ARITH[name];
  if (as) return as;
  if (name === 'sub') {
    fail(
      'sub',
      'subtracting two bool tensors is not supported (as in PyTorch); to invert a mask use logicalNot(), to combine two use logicalAnd()/logicalOr()',
    );
  }
  fail(name, `two bool tensors have no ${name} (as in PyTorch); cast one to 'i32' or 'f32' first`);
}

function runBinary(name: BinaryName, a: TensorLike, b: TensorLike): Tensor {
  if (
    name === 'pow' &&
    typeof b === 'number' &&
    b < 0 &&
    Number.isInteger(b) &&
    isTensor(a) &&
    !isFloat(a.dtype)
  ) {
    fail(
      'pow',
      `Integers to negative integer powers are not allowed (${a.dtype} base, exponent ${b}); cast the base to f32 first`,
    );
  }
  const [ta, tb] = binaryOperands(name, a, b);
  const temps: Tensor[] = [];
  if (ta !== a) temps.push(ta);
  if (tb !== b) temps.push(tb);
  try {
    const op = checkBoolArith(name, ta, tb);
    if (op !== name) {
      broadcastShapes(name, ta.shape, tb.shape); // shape errors name the op that was called
      return dispatch(BINARY_DEFS[op], [ta, tb], noAttrs)[0];
    }
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
  if (!isTensor(condition)) fail('where', 'condition must be a bool Tensor');
  const ta = asTensor('where', a, isTensor(b) ? b : condition);
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
