import { erf, erfc, roundHalfEven, sigmoid } from '../math.js';

/**
 * The elementwise template: one entry per op carries the JS scalar function (the CPU kernel
 * is built from it), the WGSL expression (the WebGPU kernel is built from it) and the dtype
 * rule. Adding an elementwise op is adding one entry.
 *
 * This module is data only (it imports no op code), so that backends can build kernels from it.
 *
 * Dtype rules: 'float' ops promote integer and bool inputs to f32; 'numeric' ops keep the
 * input dtype and reject bool; 'logical' ops take any dtype and return bool.
 */
export type UnaryDomain = 'float' | 'numeric' | 'logical';

export interface UnaryEntry<A = Record<string, never>> {
  readonly name: string;
  readonly domain: UnaryDomain;
  readonly js: (x: number, attrs: A) => number;
  /** The i32 form where `js` would lose bits (a product past 2⁵³): two's-complement wraparound. */
  readonly i32?: (x: number) => number;
  /** WGSL expression in `x` (f32); may call helpers of the WGSL prelude such as `erf_f32`. */
  readonly wgsl: (attrs: A) => string;
}

export type BinaryKind = 'arith' | 'div' | 'compare' | 'logical';

export interface BinaryEntry {
  readonly name: string;
  readonly kind: BinaryKind;
  readonly js: (a: number, b: number) => number;
  /** The i32 form where `js` would lose bits: two's-complement wraparound, as PyTorch's int32. */
  readonly i32?: (a: number, b: number) => number;
  /**
   * A faster form of `js` for one fixed right operand `b` (the CPU backend asks when `b` is a single
   * broadcast value), or undefined where `js` itself is best.
   */
  readonly jsWithB?: (b: number) => ((a: number) => number) | undefined;
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

/**
 * ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), computed as x·σ(2u) (1 + tanh u = 2σ(2u)): the
 * tanh form cancels in the negative tail, where tanh u is −1 to within f64's spacing (at x = −7 it
 * is 0.7 % off, at −9 it gives −0 for −1.3e-28); the σ form keeps full precision there. WGSL uses
 * the same form in f32.
 */
function geluTanh(x: number): number {
  return x * sigmoid(2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
}

/** Thrown by integer pow with a negative exponent; the op layer turns it into pow's error. */
export const NEGATIVE_INTEGER_POWER = 'Integers to negative integer powers are not allowed';

/** a^b in i32 by repeated squaring, wrapping like two's complement; b must be non-negative. */
export function powI32(a: number, b: number): number {
  if (b < 0) throw new RangeError(NEGATIVE_INTEGER_POWER);
  let r = 1;
  let base = a | 0;
  for (let e = b; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
  }
  return r;
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
  square: unary({
    name: 'square',
    domain: 'numeric',
    js: (x) => x * x,
    i32: (x) => Math.imul(x, x),
    wgsl: () => 'x * x',
  }),
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
        ? 'x * sigmoid_f32(1.5957691216057308 * (x + 0.044715 * x * x * x))'
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
  mul: binary({ name: 'mul', kind: 'arith', js: (a, b) => a * b, i32: Math.imul, wgsl: 'a * b' }),
  div: binary({ name: 'div', kind: 'div', js: (a, b) => a / b, wgsl: 'a / b' }),
  pow: binary({
    name: 'pow',
    kind: 'arith',
    js: Math.pow,
    i32: powI32,
    // Squares and cubes by products (Math.pow costs ~80 ns a call): the same for ±0, ±∞ and NaN,
    // within an ulp of Math.pow elsewhere (for f32 inputs x·x is exact in f64 and x·x·x is rounded
    // once in f64 before the store rounds it to the tensor's dtype).
    jsWithB: (b) => (b === 2 ? (a) => a * a : b === 3 ? (a) => a * a * a : undefined),
    wgsl: 'pow_f32(a, b)',
  }),
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
