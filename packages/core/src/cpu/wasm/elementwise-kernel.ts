import { type FunctionBuilder as F, FunctionBuilder, type PlainOp, type SimdOp } from '../../wasm/emitter.js';
import { emitExp4 } from '../../wasm/exp.js';

/**
 * f32 elementwise kernels. Every op here is one IEEE f32 operation per element, so the SIMD
 * results are bit-identical to the TypeScript kernels (which compute in f64 and round once:
 * for + − × ÷ √ that double rounding is exact). min/max propagate NaN and order −0 < +0 in
 * both, like Math.min/Math.max. The exceptions are exp, sigmoid and silu, built on emitExp4's
 * polynomial exponential (about 1 ulp), so within a few ulp of the TypeScript kernels, and the
 * exact gelu and erf, built on a rational erfc (about 1e-7 relative, 1e-6 where erfc's exponent
 * −z² is large) where the TypeScript kernels sum f64 series.
 */
export const BINARY_SIMD: Record<string, [SimdOp, PlainOp]> = {
  add: ['f32x4.add', 'f32.add'],
  sub: ['f32x4.sub', 'f32.sub'],
  mul: ['f32x4.mul', 'f32.mul'],
  div: ['f32x4.div', 'f32.div'],
  maximum: ['f32x4.max', 'f32.max'],
  minimum: ['f32x4.min', 'f32.min'],
};

/** Locals every unary kernel declares first (after its 5 parameters), for ops that reuse their operand. */
const SCRATCH = 5;
const SCRATCH_F = 6;

/** Three more v128 locals (after SCRATCH_F) for the exponential's registers, and one for erfc's t. */
const EXP_X = 7;
const EXP_K = 8;
const EXP_Y = 9;
const ERFC_T = 10;

/**
 * erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2), P of degree 9: the Chebyshev fit of Numerical
 * Recipes' erfcc (Press et al., §6.2), fractional error below 1.2e-7 for every z ≥ 0. Ascending
 * coefficients of P.
 */
const ERFC_P = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/** erfc(z) of the vector z ≥ 0 on the stack (NaN kept; +∞ gives 0), using EXP_X, EXP_K, EXP_Y and ERFC_T. */
function erfcNonNegative4(f: F): void {
  f.set(EXP_X);
  f.f32x4(1).get(EXP_X).f32x4(0.5).simd('f32x4.mul').f32x4(1).simd('f32x4.add').simd('f32x4.div').set(ERFC_T);
  f.f32x4(ERFC_P[9]).set(EXP_Y);
  for (let i = 8; i >= 1; i--)
    f.get(EXP_Y).get(ERFC_T).simd('f32x4.mul').f32x4(ERFC_P[i]).simd('f32x4.add').set(EXP_Y);
  f.get(EXP_Y).get(ERFC_T).simd('f32x4.mul').f32x4(ERFC_P[0]).simd('f32x4.add');
  f.get(EXP_X).get(EXP_X).simd('f32x4.mul').simd('f32x4.sub').set(EXP_X);
  emitExp4(f, EXP_X, EXP_K, EXP_Y);
  f.get(EXP_Y).get(ERFC_T).simd('f32x4.mul');
}

/** GELU x·Φ(x) of the vector on the stack, Φ(x) = erfc(|x|/√2)/2 below 0 and 1 − erfc(|x|/√2)/2 above, leaving x in SCRATCH. */
function gelu4(f: F): void {
  f.tee(SCRATCH).simd('f32x4.abs').f32x4(Math.SQRT1_2).simd('f32x4.mul');
  erfcNonNegative4(f);
  f.f32x4(0.5).simd('f32x4.mul').set(EXP_K);
  f.get(EXP_K).f32x4(1).get(EXP_K).simd('f32x4.sub');
  f.get(SCRATCH).f32x4(0).simd('f32x4.lt').simd('v128.bitselect');
  f.get(SCRATCH).simd('f32x4.mul');
}

/** erf(x)·√π/2 = x − x³/3 + x⁵/10 − … : the Maclaurin coefficients 1/(n!(2n+1))·(−1)ⁿ, n = 0…6 (below 5e-10 relative past them for |x| < 1/2). */
const ERF_SERIES = [1, -1 / 3, 1 / 10, -1 / 42, 1 / 216, -1 / 1320, 1 / 9360].map(
  (c) => (2 / Math.sqrt(Math.PI)) * c,
);

/** erf of the vector on the stack: its series for |x| < 1/2, sign(x)·(1 − erfc(|x|)) above; x left in SCRATCH. */
function erf4(f: F): void {
  f.tee(SCRATCH).simd('f32x4.abs');
  erfcNonNegative4(f);
  // 1 − erfc(|x|) ≥ 0 with x's sign bit
  f.set(EXP_K).f32x4(1).get(EXP_K).simd('f32x4.sub');
  f.get(SCRATCH)
    .i32x4(0x80000000 | 0)
    .simd('v128.and')
    .simd('v128.or')
    .set(ERFC_T);
  f.get(SCRATCH).get(SCRATCH).simd('f32x4.mul').set(EXP_X);
  f.f32x4(ERF_SERIES[6]).set(EXP_K);
  for (let i = 5; i >= 0; i--)
    f.get(EXP_K).get(EXP_X).simd('f32x4.mul').f32x4(ERF_SERIES[i]).simd('f32x4.add').set(EXP_K);
  f.get(EXP_K).get(SCRATCH).simd('f32x4.mul');
  f.get(ERFC_T);
  f.get(SCRATCH).simd('f32x4.abs').f32x4(0.5).simd('f32x4.lt').simd('v128.bitselect');
}

/**
 * σ(x) of the vector on the stack, leaving x in SCRATCH: with e = exp(−|x|) (emitExp4, which
 * never overflows here), σ = 1 / (1 + e) for x ≥ 0 and e / (1 + e) below, as math.ts's sigmoid.
 */
function sigmoid4(f: F): void {
  f.set(SCRATCH).get(SCRATCH).simd('f32x4.abs').simd('f32x4.neg').set(EXP_X);
  emitExp4(f, EXP_X, EXP_K, EXP_Y);
  f.f32x4(1).f32x4(1).get(EXP_Y).simd('f32x4.add').simd('f32x4.div').set(EXP_K);
  f.get(EXP_K).get(EXP_Y).get(EXP_K).simd('f32x4.mul');
  f.get(SCRATCH).f32x4(0).simd('f32x4.ge').simd('v128.bitselect');
}

/**
 * e^x of the vector on the stack, leaving x in SCRATCH, over f32's whole range: emitExp4 clamps
 * its argument at 88 (2^k must stay a normal number), so above 80 this computes e^(x − 8) — the
 * subtraction is exact in f32 there — times e^8 (two more roundings), whose f32 product overflows
 * to +∞ where Math.exp rounded to f32 does (from 88.7228394). Below −87 the result is 0 (f32
 * subnormals, under 1.2e-38, are flushed).
 */
function exp4(f: F): void {
  f.set(SCRATCH);
  const big = () => f.get(SCRATCH).f32x4(80).simd('f32x4.gt');
  f.get(SCRATCH);
  big();
  f.f32x4(8).simd('v128.and').simd('f32x4.sub').set(EXP_X);
  emitExp4(f, EXP_X, EXP_K, EXP_Y);
  f.get(EXP_Y).f32x4(Math.exp(8)).f32x4(1);
  big();
  f.simd('v128.bitselect').simd('f32x4.mul');
}

/** A scalar op from a vector one: splat, apply, take lane 0. */
function lane0(vec: (f: F) => void): (f: F) => void {
  return (f) => {
    f.simd('f32x4.splat');
    vec(f);
    f.simd('f32x4.extract_lane', 0);
  };
}

const silu4 = (f: F) => {
  sigmoid4(f);
  f.get(SCRATCH).simd('f32x4.mul');
};

/**
 * gelu's tanh approximation of the vector on the stack as x·σ(2u), u = √(2/π)(x + 0.044715x³)
 * (the form elementwise-table.ts's kernel computes in f64), x kept in ERFC_T.
 */
const geluTanh4 = (f: F) => {
  f.tee(ERFC_T).get(ERFC_T).simd('f32x4.mul').get(ERFC_T).simd('f32x4.mul').f32x4(0.044715).simd('f32x4.mul');
  f.get(ERFC_T)
    .simd('f32x4.add')
    .f32x4(2 * Math.sqrt(2 / Math.PI))
    .simd('f32x4.mul');
  sigmoid4(f);
  f.get(ERFC_T).simd('f32x4.mul');
};

/** Unary ops as code applied to a value on the stack (vector, scalar). */
export const UNARY_SIMD: Record<string, [(f: F) => void, (f: F) => void]> = {
  exp: [exp4, lane0(exp4)],
  sigmoid: [sigmoid4, lane0(sigmoid4)],
  silu: [silu4, lane0(silu4)],
  gelu: [gelu4, lane0(gelu4)],
  /** gelu with `approximate: 'tanh'` (the CPU kernel picks it by the attribute). */
  gelu_tanh: [geluTanh4, lane0(geluTanh4)],
  erf: [erf4, lane0(erf4)],
  neg: [(f) => f.simd('f32x4.neg'), (f) => f.op('f32.neg')],
  abs: [(f) => f.simd('f32x4.abs'), (f) => f.op('f32.abs')],
  sqrt: [(f) => f.simd('f32x4.sqrt'), (f) => f.op('f32.sqrt')],
  square: [
    (f) => f.tee(SCRATCH).get(SCRATCH).simd('f32x4.mul'),
    (f) => f.tee(SCRATCH_F).get(SCRATCH_F).op('f32.mul'),
  ],
  relu: [(f) => f.f32x4(0).simd('f32x4.max'), (f) => f.f32(0).op('f32.max')],
};

/** Operand modes of a binary kernel (how each side is indexed for output element i). */
export const MODE = { dense: 0, bScalar: 1, aScalar: 2, bRow: 3, aRow: 4, bCol: 5, aCol: 6 } as const;

/**
 * out[i] = a′ op b′ for i in [p, p + len), pointers advancing by 4 bytes per element; a side
 * marked scalar stays put (its value splatted once into `sa`/`sb`).
 */
function segment(
  f: F,
  op: [SimdOp, PlainOp],
  r: { pa: number; pb: number; po: number; len: number; sa: number; sb: number },
  aScalar: boolean,
  bScalar: boolean,
): void {
  const { pa, pb, po, len, sa, sb } = r;
  if (aScalar) f.get(pa).splatLoad().set(sa);
  if (bScalar) f.get(pb).splatLoad().set(sb);
  f.block().loop();
  f.get(len).i32(4).op('i32.lt_u').brIf(1);
  f.get(po);
  if (aScalar) f.get(sa);
  else f.get(pa).load('v128');
  if (bScalar) f.get(sb);
  else f.get(pb).load('v128');
  f.simd(op[0]).store('v128');
  if (!aScalar) f.inc(pa, 16);
  if (!bScalar) f.inc(pb, 16);
  f.inc(po, 16).get(len).i32(4).op('i32.sub').set(len).br(0);
  f.end().end();
  f.block().loop();
  f.get(len).op('i32.eqz').brIf(1);
  f.get(po).get(pa).load('f32').get(pb).load('f32').op(op[1]).store('f32');
  if (!aScalar) f.inc(pa, 4);
  if (!bScalar) f.inc(pb, 4);
  f.inc(po, 4).get(len).i32(1).op('i32.sub').set(len).br(0);
  f.end().end();
}

/**
 * Emits task t's element range [t·chunk, min(n, (t + 1)·chunk)) of an elementwise kernel (params
 * t, chunk, n): sets the local `len` to its length; returns new locals holding its start and end.
 */
function taskRange(f: F, t: number, chunk: number, n: number, len: number): { start: number; end: number } {
  const start = f.local('i32');
  const end = f.local('i32');
  f.get(t).get(chunk).op('i32.mul').set(start);
  f.get(start).get(chunk).op('i32.add').set(end);
  f.get(end).get(n).get(end).get(n).op('i32.lt_u').op('select').set(end);
  f.get(end).get(start).op('i32.sub').set(len);
  return { start, end };
}

/**
 * `bin_<op>(a, b, out, n, inner, mode, chunk, t)`: task t computes out[i] = a[·] op b[·] for
 * i in [t·chunk, min(n, (t + 1)·chunk)), with a and b read per MODE: dense (index i), scalar
 * (index 0) or a row of `inner` elements repeated along the output (index i mod inner).
 */
export function binaryKernel(name: string): FunctionBuilder {
  const op = BINARY_SIMD[name];
  const f = new FunctionBuilder(`bin_${name}`, Array<'i32'>(8).fill('i32'));
  const [a, b, out, n, inner, mode, chunk, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  const r = {
    pa: f.local('i32'),
    pb: f.local('i32'),
    po: f.local('i32'),
    len: f.local('i32'),
    sa: f.local('v128'),
    sb: f.local('v128'),
  };
  const j = f.local('i32');
  const i = f.local('i32');
  const cap = f.local('i32');
  const { start, end } = taskRange(f, t, chunk, n, r.len);
  f.get(out).get(start).i32(2).op('i32.shl').op('i32.add').set(r.po);
  const at = (base: number, idx: number) => f.get(base).get(idx).i32(2).op('i32.shl').op('i32.add');
  const simple: [number, boolean, boolean][] = [
    [MODE.dense, false, false],
    [MODE.bScalar, false, true],
    [MODE.aScalar, true, false],
  ];
  for (const [m, as, bs] of simple) {
    f.get(mode).i32(m).op('i32.eq').if();
    if (as) f.get(a).set(r.pa);
    else at(a, start).set(r.pa);
    if (bs) f.get(b).set(r.pb);
    else at(b, start).set(r.pb);
    segment(f, op, r, as, bs);
    f.op('return').end();
  }
  // Row modes: walk [start, end) in segments that end at row boundaries.
  for (const [m, rowIsA] of [
    [MODE.bRow, false],
    [MODE.aRow, true],
  ] as const) {
    f.get(mode).i32(m).op('i32.eq').if();
    f.get(start).set(i).get(start).get(inner).op('i32.rem_u').set(j);
    f.block().loop();
    f.get(i).get(end).op('i32.ge_u').brIf(1);
    // len = min(end − i, inner − j)
    f.get(end).get(i).op('i32.sub').set(r.len).get(inner).get(j).op('i32.sub').set(cap);
    f.get(r.len).get(cap).get(r.len).get(cap).op('i32.lt_u').op('select').set(r.len);
    f.get(i).get(r.len).op('i32.add').set(i);
    at(out, i).get(r.len).i32(2).op('i32.shl').op('i32.sub').set(r.po);
    if (rowIsA) {
      at(a, j).set(r.pa);
      at(b, i).get(r.len).i32(2).op('i32.shl').op('i32.sub').set(r.pb);
    } else {
      at(a, i).get(r.len).i32(2).op('i32.shl').op('i32.sub').set(r.pa);
      at(b, j).set(r.pb);
    }
    f.i32(0).set(j);
    segment(f, op, r, false, false);
    f.br(0).end().end();
    f.end();
  }
  // Column modes: one side holds one value per row of `inner` outputs (x · rsqrt(mean x²) in an
  // RMS norm), splatted for each row's segment.
  for (const [m, colIsA] of [
    [MODE.bCol, false],
    [MODE.aCol, true],
  ] as const) {
    f.get(mode).i32(m).op('i32.eq').if();
    f.get(start).set(i);
    f.block().loop();
    f.get(i).get(end).op('i32.ge_u').brIf(1);
    // len = min(end − i, inner − i mod inner)
    f.get(end).get(i).op('i32.sub').set(r.len);
    f.get(inner).get(i).get(inner).op('i32.rem_u').op('i32.sub').set(cap);
    f.get(r.len).get(cap).get(r.len).get(cap).op('i32.lt_u').op('select').set(r.len);
    at(out, i).set(r.po);
    f.get(i).get(inner).op('i32.div_u').set(j);
    if (colIsA) {
      at(a, j).set(r.pa);
      at(b, i).set(r.pb);
    } else {
      at(a, i).set(r.pa);
      at(b, j).set(r.pb);
    }
    f.get(i).get(r.len).op('i32.add').set(i);
    segment(f, op, r, colIsA, !colIsA);
    f.br(0).end().end();
    f.end();
  }
  return f;
}

/** `un_<op>(a, out, n, chunk, t)`: out[i] = op(a[i]) for i in task t's chunk, a and out dense. */
export function unaryKernel(name: string): FunctionBuilder {
  const [vec, sca] = UNARY_SIMD[name];
  const f = new FunctionBuilder(`un_${name}`, Array<'i32'>(5).fill('i32'));
  const [a, out, n, chunk, t] = [0, 1, 2, 3, 4];
  f.local('v128'); // SCRATCH
  f.local('f32'); // SCRATCH_F
  for (let v = EXP_X; v <= ERFC_T; v++) f.local('v128');
  const pa = f.local('i32');
  const po = f.local('i32');
  const len = f.local('i32');
  const { start } = taskRange(f, t, chunk, n, len);
  f.get(a).get(start).i32(2).op('i32.shl').op('i32.add').set(pa);
  f.get(out).get(start).i32(2).op('i32.shl').op('i32.add').set(po);
  f.block().loop();
  f.get(len).i32(4).op('i32.lt_u').brIf(1);
  f.get(po).get(pa).load('v128');
  vec(f);
  f.store('v128').inc(pa, 16).inc(po, 16).get(len).i32(4).op('i32.sub').set(len).br(0);
  f.end().end();
  f.block().loop();
  f.get(len).op('i32.eqz').brIf(1);
  f.get(po).get(pa).load('f32');
  sca(f);
  f.store('f32').inc(pa, 4).inc(po, 4).get(len).i32(1).op('i32.sub').set(len).br(0);
  f.end().end();
  return f;
}

/** Comparisons giving bool (one byte, 0 or 1); with NaN only `ne` is true, as in JS. */
export const COMPARE_SIMD: Record<string, [SimdOp, PlainOp]> = {
  eq: ['f32x4.eq', 'f32.eq'],
  ne: ['f32x4.ne', 'f32.ne'],
  lt: ['f32x4.lt', 'f32.lt'],
  le: ['f32x4.le', 'f32.le'],
  gt: ['f32x4.gt', 'f32.gt'],
  ge: ['f32x4.ge', 'f32.ge'],
};

/**
 * `cmp_<op>(a, b, out, n, mode, chunk, t)`: out[i] = a′ op b′ ? 1 : 0 as bytes, for i in task t's
 * chunk (a multiple of 16), with a and b dense or scalar (MODE.dense, bScalar, aScalar). Sixteen
 * lanes per step: four f32x4 compares (all-ones masks) narrowed to bytes and masked to 1.
 */
export function compareKernel(name: string): FunctionBuilder {
  const [vop, sop] = COMPARE_SIMD[name];
  const f = new FunctionBuilder(`cmp_${name}`, Array<'i32'>(7).fill('i32'));
  const [a, b, out, n, mode, chunk, t] = [0, 1, 2, 3, 4, 5, 6];
  const pa = f.local('i32');
  const pb = f.local('i32');
  const po = f.local('i32');
  const len = f.local('i32');
  const sa = f.local('v128');
  const sb = f.local('v128');
  const ones = f.local('v128');
  const { start } = taskRange(f, t, chunk, n, len);
  f.get(out).get(start).op('i32.add').set(po);
  f.i32(1).simd('i8x16.splat').set(ones);
  for (const [m, as, bs] of [
    [MODE.dense, false, false],
    [MODE.bScalar, false, true],
    [MODE.aScalar, true, false],
  ] as const) {
    f.get(mode).i32(m).op('i32.eq').if();
    if (as) f.get(a).set(pa).get(pa).splatLoad().set(sa);
    else f.get(a).get(start).i32(2).op('i32.shl').op('i32.add').set(pa);
    if (bs) f.get(b).set(pb).get(pb).splatLoad().set(sb);
    else f.get(b).get(start).i32(2).op('i32.shl').op('i32.add').set(pb);
    const quad = (q: number) => {
      if (as) f.get(sa);
      else f.get(pa).load('v128', q * 16);
      if (bs) f.get(sb);
      else f.get(pb).load('v128', q * 16);
      f.simd(vop);
    };
    f.block().loop();
    f.get(len).i32(16).op('i32.lt_u').brIf(1);
    f.get(po);
    quad(0);
    quad(1);
    f.simd('i16x8.narrow_i32x4_s');
    quad(2);
    quad(3);
    f.simd('i16x8.narrow_i32x4_s').simd('i8x16.narrow_i16x8_s').get(ones).simd('v128.and').store('v128');
    if (!as) f.inc(pa, 64);
    if (!bs) f.inc(pb, 64);
    f.inc(po, 16).get(len).i32(16).op('i32.sub').set(len).br(0);
    f.end().end();
    f.block().loop();
    f.get(len).op('i32.eqz').brIf(1);
    f.get(po).get(pa).load('f32').get(pb).load('f32').op(sop).store8();
    if (!as) f.inc(pa, 4);
    if (!bs) f.inc(pb, 4);
    f.inc(po, 1).get(len).i32(1).op('i32.sub').set(len).br(0);
    f.end().end();
    f.op('return').end();
  }
  return f;
}

/** Operand layouts of `where_f32`: bit 0 set when x is one element, bit 1 when y is. */
export const WHERE_MODE = { dense: 0, xScalar: 1, yScalar: 2, bothScalar: 3 } as const;

/**
 * `where_f32(c, x, y, out, n, mode, chunk, t)`: out[i] = c[i] ≠ 0 ? x′ : y′ for i in task t's chunk
 * (a multiple of 16), c dense bool bytes, x and y dense or one element (WHERE_MODE). Sixteen lanes
 * per step: the bytes compared with 0 and sign-extended to four 32-bit masks, each selecting bits
 * with v128.bitselect, so the chosen value's bits are copied exactly (NaN payloads, −0).
 */
export function whereKernel(): FunctionBuilder {
  const f = new FunctionBuilder('where_f32', Array<'i32'>(8).fill('i32'));
  const [c, x, y, out, n, mode, chunk, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  const pc = f.local('i32');
  const px = f.local('i32');
  const py = f.local('i32');
  const po = f.local('i32');
  const len = f.local('i32');
  const sx = f.local('v128');
  const sy = f.local('v128');
  const m8 = f.local('v128');
  const m16 = f.local('v128');
  const { start } = taskRange(f, t, chunk, n, len);
  f.get(c).get(start).op('i32.add').set(pc);
  f.get(out).get(start).i32(2).op('i32.shl').op('i32.add').set(po);
  for (const m of [WHERE_MODE.dense, WHERE_MODE.xScalar, WHERE_MODE.yScalar, WHERE_MODE.bothScalar]) {
    const xs = (m & 1) !== 0;
    const ys = (m & 2) !== 0;
    f.get(mode).i32(m).op('i32.eq').if();
    if (xs) f.get(x).set(px).get(px).splatLoad().set(sx);
    else f.get(x).get(start).i32(2).op('i32.shl').op('i32.add').set(px);
    if (ys) f.get(y).set(py).get(py).splatLoad().set(sy);
    else f.get(y).get(start).i32(2).op('i32.shl').op('i32.add').set(py);
    const quad = (q: number, widen: 'i32x4.extend_low_i16x8_s' | 'i32x4.extend_high_i16x8_s') => {
      f.get(po);
      if (xs) f.get(sx);
      else f.get(px).load('v128', q * 16);
      if (ys) f.get(sy);
      else f.get(py).load('v128', q * 16);
      f.get(m16)
        .simd(widen)
        .simd('v128.bitselect')
        .store('v128', q * 16);
    };
    f.block().loop();
    f.get(len).i32(16).op('i32.lt_u').brIf(1);
    f.get(pc).load('v128').i32(0).simd('i8x16.splat').simd('i8x16.ne').set(m8);
    f.get(m8).simd('i16x8.extend_low_i8x16_s').set(m16);
    quad(0, 'i32x4.extend_low_i16x8_s');
    quad(1, 'i32x4.extend_high_i16x8_s');
    f.get(m8).simd('i16x8.extend_high_i8x16_s').set(m16);
    quad(2, 'i32x4.extend_low_i16x8_s');
    quad(3, 'i32x4.extend_high_i16x8_s');
    f.inc(pc, 16).inc(po, 64);
    if (!xs) f.inc(px, 64);
    if (!ys) f.inc(py, 64);
    f.get(len).i32(16).op('i32.sub').set(len).br(0);
    f.end().end();
    f.block().loop();
    f.get(len).op('i32.eqz').brIf(1);
    f.get(po).get(px).load('f32').get(py).load('f32').get(pc).load8u().op('select').store('f32');
    f.inc(pc, 1).inc(po, 4);
    if (!xs) f.inc(px, 4);
    if (!ys) f.inc(py, 4);
    f.get(len).i32(1).op('i32.sub').set(len).br(0);
    f.end().end();
    f.op('return').end();
  }
  return f;
}
