/**
 * Property-based tests of the core ops (issue #23 item 6), with fast-check:
 * 1. every conformance case of every core op, at random value seeds, dtypes and memory layouts
 *    (contiguous, transposed, strided, offset views), agrees with the suite's naive reference;
 * 2. elementwise binary ops on random shapes (broadcastable or not), dtypes, views (transpose,
 *    slice, expand) and values, special values and the whole i32 range included, either throw the
 *    op's documented TesseraError or agree with a reference written here (BigInt for i32);
 * 3. reductions on random shapes, axes (valid or not) and dtypes: the op's error or the reference.
 * Seeded and bounded: TESSERA_FUZZ_RUNS (default 3 per case) and TESSERA_FUZZ_SEED change them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createContext } from './default-context.js';
import { bf16BitsToF32, type DType, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './dtype.js';
import { TesseraError } from './errors.js';
import * as ops from './ops/index.js';
import { CORE_OPS } from './ops/index.js';
import type { Tensor } from './tensor.js';
import { ALL_GROUPS, checkCase, type Layout, type OpCase } from './testing/index.js';

const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 3);
const SEED = Number(process.env.TESSERA_FUZZ_SEED ?? 23);
const ctx = createContext({ cpu: { threads: 2 } });

// ---- 1. conformance cases at random seeds, dtypes and layouts ----

function layoutsFor(rank: number): (Layout | undefined)[] {
  if (rank === 0) return [undefined];
  return rank >= 2 ? ['contiguous', 'strided', 'offset', 'transposed'] : ['contiguous', 'strided', 'offset'];
}

const byOp = new Map<string, OpCase[]>();
for (const g of ALL_GROUPS) for (const c of g.cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

describe('fuzz: every core op agrees with the reference at random values, dtypes and layouts', () => {
  it('covers every core op with a device kernel or a decomposition (toDevice needs a second device)', () => {
    const missing = CORE_OPS.map((d) => d.name).filter((n) => n !== 'toDevice' && !byOp.has(n));
    expect(missing).toEqual([]);
  });
  for (const [op, cases] of byOp) {
    it(op, async () => {
      const arb = fc
        .record({
          ci: fc.nat({ max: cases.length - 1 }),
          di: fc.nat(),
          seed: fc.integer(),
          picks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        })
        .map(({ ci, di, seed, picks }) => {
          const c = cases[ci];
          const dtypes = c.dtypes ?? ['f32', 'f64'];
          const layouts = c.inputs.map((spec, i) => {
            // A case that names its layout tests that layout (a view that needs it): keep it.
            if (spec.layout !== undefined) return spec.layout;
            const options = layoutsFor(spec.shape.length);
            return options[picks[i % 4] % options.length];
          });
          return { c, dtype: dtypes[di % dtypes.length], variant: { seed, layouts } };
        });
      await fc.assert(
        fc.asyncProperty(arb, async ({ c, dtype, variant }) => {
          // Random values cancel in long f32 sums (matmul, conv) more than the suite's fixed ones:
          // 10× its tolerance, as for a GPU accumulating in f32.
          const problem = await checkCase(c, dtype, ctx, 'cpu', { variant, tolScale: 10 });
          if (problem !== null)
            throw new Error(`${c.name} [${dtype}] ${JSON.stringify(variant)}: ${problem}`);
        }),
        { seed: SEED, numRuns: RUNS * cases.length },
      );
    });
  }
});

// ---- helpers for 2 and 3: inputs as views, values as stored ----

type ViewKind = 'contiguous' | 'transpose' | 'slice' | 'expand';
const DTYPES: DType[] = ['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'];

/** Rounds a JS number to what a tensor of dtype stores (written apart from core's encoders where simple). */
function stored(d: DType, v: number): number {
  switch (d) {
    case 'f32':
      return Math.fround(v);
    case 'f16':
      return f16BitsToF32(f32ToF16Bits(v));
    case 'bf16':
      return bf16BitsToF32(f32ToBf16Bits(v));
    case 'bool':
      return v !== 0 ? 1 : 0;
    case 'i32':
      return v;
    default:
      return v;
  }
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor with logical values `vals` (row-major over `shape`), laid out as the view kind says. */
function makeView(kind: ViewKind, vals: number[], shape: number[], dtype: DType, keep: Tensor[]): Tensor {
  const o = { dtype, context: ctx };
  const r = shape.length;
  if (kind === 'transpose' && r >= 2) {
    const [m, k] = [shape[r - 2], shape[r - 1]];
    const outer = count(shape.slice(0, -2));
    const st = new Array<number>(vals.length);
    for (let b = 0; b < outer; b++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < k; j++) st[b * m * k + j * m + i] = vals[b * m * k + i * k + j];
    const base = ops.tensor(st, [...shape.slice(0, -2), k, m], o);
    keep.push(base);
    return base.transpose(-2, -1);
  }
  if (kind === 'slice' && r >= 1) {
    const last = shape[r - 1];
    const outer = count(shape.slice(0, -1));
    const st = new Array<number>(outer * (2 * last + 1)).fill(0);
    for (let b = 0; b < outer; b++)
      for (let j = 0; j < last; j++) st[b * (2 * last + 1) + 1 + 2 * j] = vals[b * last + j];
    const base = ops.tensor(st, [...shape.slice(0, -1), 2 * last + 1], o);
    keep.push(base);
    return base.slice(-1, 1, undefined, 2);
  }
  return ops.tensor(vals, shape, o);
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });

/** Values a dtype's tensor may hold, special ones included. */
function valueArb(d: DType): fc.Arbitrary<number> {
  if (d === 'bool') return fc.constantFrom(0, 1);
  if (d === 'i32')
    return fc.oneof(
      fc.integer({ min: -9, max: 9 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.constantFrom(2 ** 31 - 1, -(2 ** 31), 46341, 65536),
    );
  return fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5) },
  );
}

interface Operand {
  shape: number[];
  dtype: DType;
  view: ViewKind;
  values: number[];
}

/** An operand of the given shape: a random dtype, view and values. */
function operandArb(
  shape: number[],
  dtypeArb: fc.Arbitrary<DType> = fc.constantFrom(...DTYPES),
): fc.Arbitrary<Operand> {
  return fc
    .record({
      dtype: dtypeArb,
      view: fc.constantFrom<ViewKind>('contiguous', 'transpose', 'slice', 'expand'),
    })
    .chain(({ dtype, view }) =>
      fc
        .array(valueArb(dtype), { minLength: count(shape), maxLength: count(shape) })
        .map((values) => ({ shape, dtype, view, values })),
    );
}

/** Builds the operand as a tensor; 'expand' makes it from a size-1 axis when the shape has one to expand. */
function build(x: Operand, keep: Tensor[]): { t: Tensor; logical: number[] } {
  const vals = x.values.map((v) => stored(x.dtype, v));
  if (x.view === 'expand' && x.shape.length > 0 && x.shape[0] > 1) {
    // Row 0 repeated along axis 0: the logical values are that row, shape[0] times.
    const rowShape = [1, ...x.shape.slice(1)];
    const row = vals.slice(0, count(rowShape));
    const base = ops.tensor(row, rowShape, { dtype: x.dtype, context: ctx });
    keep.push(base);
    const logical: number[] = [];
    for (let i = 0; i < x.shape[0]; i++) logical.push(...row);
    return { t: ops.expand(base, x.shape), logical };
  }
  return { t: makeView(x.view, vals, x.shape, x.dtype, keep), logical: vals };
}

function broadcastOrNull(a: number[], b: number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function at(values: number[], shape: number[], out: number[], i: number): number {
  // Flat index in `shape` of output position i, broadcasting size-1 and missing axes.
  let rem = i;
  let idx = 0;
  let mul = 1;
  for (let d = out.length - 1; d >= 0; d--) {
    const coord = rem % out[d];
    rem = Math.floor(rem / out[d]);
    const k = d - (out.length - shape.length);
    if (k >= 0) {
      idx += (shape[k] === 1 ? 0 : coord) * mul;
      mul *= shape[k];
    }
  }
  return values[idx];
}

// ---- 2. elementwise binary ops: error or reference ----

const RANK: Record<DType, number> = { bool: 0, i32: 1, f16: 2, bf16: 2, f32: 3, f64: 4 };
function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if ((a === 'f16' && b === 'bf16') || (a === 'bf16' && b === 'f16')) return 'f32';
  return RANK[a] >= RANK[b] ? a : b;
}
const isFloatD = (d: DType) => d !== 'i32' && d !== 'bool';
const wrap = (x: bigint) => Number(BigInt.asIntN(32, x));

/** x^y mod 2^32 by squaring, each step reduced (y may be up to 2^31). */
function powWrapped(x: bigint, y: bigint): bigint {
  let r = 1n;
  let b = BigInt.asUintN(32, x);
  for (let e = y; e > 0n; e >>= 1n) {
    if (e & 1n) r = BigInt.asUintN(32, r * b);
    b = BigInt.asUintN(32, b * b);
  }
  return r;
}

type BinName =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'lt'
  | 'ge'
  | 'logicalAnd';
const BINARY: Record<BinName, (a: Tensor, b: Tensor) => Tensor> = {
  add: ops.add,
  sub: ops.sub,
  mul: ops.mul,
  div: ops.div,
  pow: ops.pow,
  maximum: ops.maximum,
  minimum: ops.minimum,
  eq: ops.eq,
  lt: ops.lt,
  ge: ops.ge,
  logicalAnd: ops.logicalAnd,
};

/** What the op should do with these operands: an error, or the dtype and one output element's value. */
function expectBinary(
  name: BinName,
  a: Operand,
  b: Operand,
  out: number[],
  la: number[],
  lb: number[],
): { error: RegExp } | { dtype: DType; value: (i: number) => number } {
  const get = (i: number) => [at(la, a.shape, out, i), at(lb, b.shape, out, i)];
  const n = count(out);
  if (name === 'logicalAnd')
    return { dtype: 'bool', value: (i) => (get(i)[0] !== 0 && get(i)[1] !== 0 ? 1 : 0) };
  const p = promote(a.dtype, b.dtype);
  if (name === 'eq' || name === 'lt' || name === 'ge') {
    const f = {
      eq: (x: number, y: number) => x === y,
      lt: (x: number, y: number) => x < y,
      ge: (x: number, y: number) => x >= y,
    }[name];
    return { dtype: 'bool', value: (i) => (f(stored(p, get(i)[0]), stored(p, get(i)[1])) ? 1 : 0) };
  }
  if (p === 'bool') {
    if (name === 'sub' || name === 'pow') return { error: new RegExp(`^${name}: .*bool`) };
    if (name === 'add' || name === 'maximum')
      return { dtype: 'bool', value: (i) => (get(i)[0] || get(i)[1] ? 1 : 0) };
    if (name === 'mul' || name === 'minimum')
      return { dtype: 'bool', value: (i) => (get(i)[0] && get(i)[1] ? 1 : 0) };
  }
  const c: DType = name === 'div' && !isFloatD(p) ? 'f32' : p === 'bool' ? 'i32' : p;
  if (c === 'i32') {
    if (name === 'pow') {
      for (let i = 0; i < n; i++)
        if (get(i)[1] < 0) return { error: /^pow: Integers to negative integer powers are not allowed/ };
    }
    const f = {
      add: (x: bigint, y: bigint) => x + y,
      sub: (x: bigint, y: bigint) => x - y,
      mul: (x: bigint, y: bigint) => x * y,
      pow: powWrapped,
      maximum: (x: bigint, y: bigint) => (x > y ? x : y),
      minimum: (x: bigint, y: bigint) => (x < y ? x : y),
    }[name as 'add'];
    return { dtype: 'i32', value: (i) => wrap(f(BigInt(get(i)[0]), BigInt(get(i)[1]))) };
  }
  const f = {
    add: (x: number, y: number) => x + y,
    sub: (x: number, y: number) => x - y,
    mul: (x: number, y: number) => x * y,
    div: (x: number, y: number) => x / y,
    pow: (x: number, y: number) => x ** y,
    maximum: (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.max(x, y)),
    minimum: (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.min(x, y)),
  }[name as 'add'];
  // Operands are cast to the compute dtype, computed (f64, or f32 for the half formats), stored.
  const inner = c === 'f64' ? c : 'f32';
  return { dtype: c, value: (i) => stored(c, stored(inner, f(stored(c, get(i)[0]), stored(c, get(i)[1])))) };
}

function closeEnough(got: number, want: number, dtype: DType): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  const tol =
    dtype === 'f16' ? 2e-3 : dtype === 'bf16' ? 1.6e-2 : dtype === 'f32' ? 1e-6 : dtype === 'f64' ? 1e-12 : 0;
  return Math.abs(got - want) <= tol * Math.max(Math.abs(want), 1);
}

describe('fuzz: elementwise binary ops on random shapes, dtypes, views and values', () => {
  const pairArb = fc
    .record({
      sa: shapeArb,
      mutate: fc.array(fc.constantFrom('same', 'one', 'drop', 'other'), { maxLength: 4 }),
      name: fc.constantFrom(...(Object.keys(BINARY) as BinName[])),
    })
    .chain(({ sa, mutate, name }) => {
      let sb = sa.map((d, i) => (mutate[i] === 'one' ? 1 : mutate[i] === 'other' ? (d + 2) % 5 : d));
      if (mutate[0] === 'drop') sb = sb.slice(1);
      return fc.record({ name: fc.constant(name), a: operandArb(sa), b: operandArb(sb) });
    });

  it('either the documented error of the op or agreement with the reference', () => {
    fc.assert(
      fc.property(pairArb, ({ name, a, b }) => {
        const keep: Tensor[] = [];
        try {
          const A = build(a, keep);
          const B = build(b, keep);
          keep.push(A.t, B.t);
          const out = broadcastOrNull(a.shape, b.shape);
          const want = out
            ? expectBinary(name, a, b, out, A.logical, B.logical)
            : { error: new RegExp(`^${name}: (shapes .* cannot be broadcast|.*bool)`) }; // either error may come first
          let result: Tensor;
          try {
            result = BINARY[name](A.t, B.t);
          } catch (e) {
            if (!(e instanceof TesseraError)) throw e;
            if ('error' in want && want.error.test(e.message)) return;
            throw new Error(`unexpected ${e.message}`);
          }
          keep.push(result);
          if ('error' in want)
            throw new Error(`expected an error matching ${want.error}, got a ${result.dtype} result`);
          expect(result.dtype).toBe(want.dtype);
          expect(result.shape).toEqual(out);
          const got = result.dataSync();
          for (let i = 0; i < got.length; i++) {
            const w = want.value(i);
            if (!closeEnough(got[i], w, want.dtype))
              throw new Error(
                `${name} ${a.dtype}${JSON.stringify(a.shape)} ${b.dtype}${JSON.stringify(b.shape)}: element ${i} is ${got[i]}, expected ${w}`,
              );
          }
        } finally {
          for (const t of keep) if (!t.isDisposed) t.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS * 150 },
    );
  });
});

// ---- 3. reductions: error or reference ----

describe('fuzz: reductions on random shapes, axes and dtypes', () => {
  type RedName = 'sum' | 'mean' | 'max' | 'min' | 'prod';
  const RED: Record<RedName, (x: Tensor, axes: number[], keepdim: boolean) => Tensor> = {
    sum: ops.sum,
    mean: ops.mean,
    max: ops.max,
    min: ops.min,
    prod: ops.prod,
  };
  const arb = fc
    .record({
      shape: shapeArb,
      name: fc.constantFrom(...(Object.keys(RED) as RedName[])),
      axes: fc.array(fc.integer({ min: -5, max: 4 }), { maxLength: 3 }),
      keepdim: fc.boolean(),
    })
    .chain((r) => operandArb(r.shape).map((x) => ({ ...r, x })));

  it('either the documented error of the op or agreement with the reference', () => {
    fc.assert(
      fc.property(arb, ({ name, axes, keepdim, x }) => {
        const keep: Tensor[] = [];
        try {
          const X = build(x, keep);
          keep.push(X.t);
          const r = x.shape.length;
          const span = Math.max(r, 1);
          const norm = axes.map((a) => (a < 0 ? a + span : a));
          let expected: RegExp | null = null;
          if (axes.some((a) => a < -span || a >= span))
            expected = new RegExp(`^${name}: axis .* is out of range`);
          else if (new Set(norm).size !== norm.length)
            expected = new RegExp(`^${name}: axes .* repeat an axis`);
          const reduced = axes.length === 0 ? [...Array(r).keys()] : norm;
          if (!expected && (name === 'max' || name === 'min') && reduced.some((a) => x.shape[a] === 0))
            expected = new RegExp(`^${name}: cannot reduce axis`);
          // The reference: every output position folds its lane in f64.
          const outShape = x.shape.map((d, i) => (reduced.includes(i) ? 1 : d));
          const nOut = count(outShape);
          const lanes: number[][] = Array.from({ length: nOut }, () => []);
          for (let i = 0; i < count(x.shape); i++) {
            let rem = i;
            let o = 0;
            let mul = 1;
            for (let d = r - 1; d >= 0; d--) {
              const coord = rem % x.shape[d];
              rem = Math.floor(rem / x.shape[d]);
              if (!reduced.includes(d)) o += coord * mul;
              mul *= outShape[d];
            }
            lanes[o].push(X.logical[i]);
          }
          const fold = (v: number[]): number => {
            if (name === 'sum') return v.reduce((s, y) => s + y, 0);
            if (name === 'prod') return v.reduce((s, y) => s * y, 1);
            if (name === 'mean') return v.reduce((s, y) => s + y, 0) / v.length;
            if (v.some(Number.isNaN)) return Number.NaN;
            return name === 'max' ? Math.max(...v) : Math.min(...v);
          };
          const outD: DType =
            name === 'mean' && !isFloatD(x.dtype)
              ? 'f32'
              : (name === 'sum' || name === 'prod') && x.dtype === 'bool'
                ? 'i32'
                : x.dtype;
          const want = lanes.map(fold);
          if (!expected && outD === 'i32' && want.some((v) => v > 2 ** 31 - 1 || v < -(2 ** 31)))
            expected = new RegExp(`^${name}: the i32 result`);
          let result: Tensor;
          try {
            result = RED[name](X.t, axes.length === 0 ? (undefined as unknown as number[]) : axes, keepdim);
          } catch (e) {
            if (!(e instanceof TesseraError)) throw e;
            if (expected?.test(e.message)) return;
            throw new Error(`unexpected ${e.message}`);
          }
          keep.push(result);
          if (expected) throw new Error(`expected an error matching ${expected}, got a result`);
          expect(result.dtype).toBe(outD);
          expect(result.shape).toEqual(keepdim ? outShape : x.shape.filter((_, i) => !reduced.includes(i)));
          const got = result.dataSync();
          for (let i = 0; i < got.length; i++) {
            // Sums of many terms: the tolerance scales with the sum of magnitudes.
            const mag = lanes[i].reduce((s, y) => s + Math.abs(y), 0);
            const w = stored(outD, want[i]);
            const ok =
              closeEnough(got[i], w, outD) ||
              (name !== 'max' &&
                name !== 'min' &&
                isFloatD(outD) &&
                Math.abs(got[i] - w) <=
                  1e-2 *
                    (mag / Math.max(lanes[i].length, 1) + 1) *
                    (outD === 'f32' || outD === 'f64' ? 1e-3 : 1));
            if (!ok)
              throw new Error(
                `${name} ${x.dtype}${JSON.stringify(x.shape)} axes ${JSON.stringify(axes)}: element ${i} is ${got[i]}, expected ${w}`,
              );
          }
        } finally {
          for (const t of keep) if (!t.isDisposed) t.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS * 100 },
    );
  });
});

// ---- 4. unary ops and matmul on random shapes, dtypes and views ----

describe('fuzz: unary ops on random shapes, dtypes, views and values', () => {
  type UnName = 'neg' | 'abs' | 'relu' | 'square' | 'floor' | 'exp' | 'sqrt' | 'logicalNot';
  const UN: Record<
    UnName,
    { run: (x: Tensor) => Tensor; f: (x: number) => number; domain: 'numeric' | 'float' | 'logical' }
  > = {
    neg: { run: ops.neg, f: (x) => -x, domain: 'numeric' },
    abs: { run: ops.abs, f: (x) => (x < 0 ? -x : x), domain: 'numeric' },
    relu: { run: ops.relu, f: (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0), domain: 'numeric' },
    square: { run: ops.square, f: (x) => x * x, domain: 'numeric' },
    floor: { run: ops.floor, f: Math.floor, domain: 'numeric' },
    exp: { run: ops.exp, f: Math.exp, domain: 'float' },
    sqrt: { run: ops.sqrt, f: Math.sqrt, domain: 'float' },
    logicalNot: { run: ops.logicalNot, f: (x) => (x === 0 ? 1 : 0), domain: 'logical' },
  };
  const arb = fc
    .record({ shape: shapeArb, name: fc.constantFrom(...(Object.keys(UN) as UnName[])) })
    .chain(({ shape, name }) => operandArb(shape).map((x) => ({ name, x })));

  it('either the documented error of the op or agreement with the reference', () => {
    fc.assert(
      fc.property(arb, ({ name, x }) => {
        const keep: Tensor[] = [];
        try {
          const X = build(x, keep);
          keep.push(X.t);
          const u = UN[name];
          let result: Tensor;
          try {
            result = u.run(X.t);
          } catch (e) {
            if (
              e instanceof TesseraError &&
              u.domain === 'numeric' &&
              x.dtype === 'bool' &&
              e.message.startsWith(`${name}: `)
            )
              return;
            throw e;
          }
          keep.push(result);
          if (u.domain === 'numeric' && x.dtype === 'bool')
            throw new Error(`${name} of bool should be an error`);
          const outD: DType =
            u.domain === 'logical' ? 'bool' : u.domain === 'float' && !isFloatD(x.dtype) ? 'f32' : x.dtype;
          expect(result.dtype).toBe(outD);
          expect(result.shape).toEqual(x.shape);
          const inner: DType = outD === 'f64' ? 'f64' : 'f32';
          const got = result.dataSync();
          for (let i = 0; i < got.length; i++) {
            const v = stored(outD === 'bool' ? x.dtype : outD, X.logical[i]);
            const want =
              outD === 'i32'
                ? name === 'square'
                  ? wrap(BigInt(v) * BigInt(v))
                  : wrap(BigInt(u.f(v)))
                : outD === 'bool'
                  ? u.f(v)
                  : stored(outD, stored(inner, u.f(v)));
            if (!closeEnough(got[i], want, outD))
              throw new Error(
                `${name} ${x.dtype}${JSON.stringify(x.shape)} (${x.view}): element ${i} is ${got[i]}, expected ${want}`,
              );
          }
        } finally {
          for (const t of keep) if (!t.isDisposed) t.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS * 100 },
    );
  });
});

describe('fuzz: matmul on random shapes, dtypes and views', () => {
  const dims = fc.integer({ min: 0, max: 4 });
  const arb = fc
    .record({
      ra: fc.integer({ min: 0, max: 4 }),
      rb: fc.integer({ min: 0, max: 4 }),
      m: dims,
      k: dims,
      n: dims,
      kb: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: dims }),
      batch: fc.array(dims, { maxLength: 2 }),
      batchB: fc.array(fc.constantFrom('same', 'one', 'other'), { maxLength: 2 }),
    })
    .chain(({ ra, rb, m, k, n, kb, batch, batchB }) => {
      const bk = kb < 0 ? k : kb;
      const sa = ra === 0 ? [] : ra === 1 ? [k] : [...batch.slice(0, ra - 2), m, k];
      const bb = batch
        .slice(0, Math.max(rb - 2, 0))
        .map((d, i) => (batchB[i] === 'one' ? 1 : batchB[i] === 'other' ? (d + 1) % 5 : d));
      const sb = rb === 0 ? [] : rb === 1 ? [bk] : [...bb, bk, n];
      // Mostly one dtype for both (matmul does not promote), sometimes two.
      return operandArb(sa).chain((a) =>
        operandArb(
          sb,
          fc.oneof(
            { weight: 5, arbitrary: fc.constant(a.dtype) },
            { weight: 1, arbitrary: fc.constantFrom(...DTYPES) },
          ),
        ).map((b) => ({ a, b })),
      );
    });

  /** NumPy's matmul, written out: 1-D operands promoted and their axis dropped, batch broadcast. */
  function refMatmul(
    a: Operand,
    la: number[],
    b: Operand,
    lb: number[],
  ): { shape: number[]; at: (i: number) => number[] } | null {
    if (a.shape.length === 0 || b.shape.length === 0) return null;
    const sa = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    const sb = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const [m, k] = sa.slice(-2);
    const [k2, n] = sb.slice(-2);
    if (k !== k2) return null;
    const batch = broadcastOrNull(sa.slice(0, -2), sb.slice(0, -2));
    if (!batch) return null;
    const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
    // The products' factors of output element i (batch, m, n order: the same element order as `shape`).
    const at = (i: number) => {
      const j = i % n;
      const r = Math.floor(i / n) % m;
      const bi = Math.floor(i / (m * n));
      const terms: number[] = [];
      for (let p = 0; p < k; p++) {
        const ia = at2(la, [...sa.slice(0, -2), m, k], batch, bi, r * k + p, m * k);
        const ib = at2(lb, [...sb.slice(0, -2), k, n], batch, bi, p * n + j, k * n);
        terms.push(ia, ib);
      }
      return terms;
    };
    return { shape, at };
  }

  /** Element `inner` of batch `bi` (of the broadcast batch shape) of a batched operand. */
  function at2(
    values: number[],
    shape: number[],
    batch: number[],
    bi: number,
    inner: number,
    size: number,
  ): number {
    const own = shape.slice(0, -2);
    let rem = bi;
    let idx = 0;
    let mul = 1;
    for (let d = batch.length - 1; d >= 0; d--) {
      const coord = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      const kd = d - (batch.length - own.length);
      if (kd >= 0) {
        idx += (own[kd] === 1 ? 0 : coord) * mul;
        mul *= own[kd];
      }
    }
    return values[idx * size + inner];
  }

  it('either the documented error of matmul or agreement with the reference', () => {
    fc.assert(
      fc.property(arb, ({ a, b }) => {
        const keep: Tensor[] = [];
        try {
          const A = build(a, keep);
          const B = build(b, keep);
          keep.push(A.t, B.t);
          const r = a.dtype === b.dtype && a.dtype !== 'bool' ? refMatmul(a, A.logical, b, B.logical) : null;
          let result: Tensor;
          try {
            result = ops.matmul(A.t, B.t);
          } catch (e) {
            if (e instanceof TesseraError && r === null && e.message.startsWith('matmul: ')) return;
            throw e;
          }
          keep.push(result);
          if (r === null)
            throw new Error(
              `matmul ${a.dtype}${JSON.stringify(a.shape)} @ ${b.dtype}${JSON.stringify(b.shape)} should be an error`,
            );
          expect(result.shape).toEqual(r.shape);
          expect(result.dtype).toBe(a.dtype);
          const got = result.dataSync();
          for (let i = 0; i < got.length; i++) {
            const t = r.at(i);
            let want: number;
            let mag = 0;
            if (a.dtype === 'i32') {
              let acc = 0n;
              for (let p = 0; p < t.length; p += 2) acc += BigInt(t[p]) * BigInt(t[p + 1]);
              want = wrap(acc);
            } else {
              want = 0;
              for (let p = 0; p < t.length; p += 2) {
                want += t[p] * t[p + 1];
                mag += Math.abs(t[p] * t[p + 1]);
              }
              want = stored(a.dtype, want);
            }
            const tol =
              a.dtype === 'f64' ? 1e-12 : a.dtype === 'f32' ? 1e-6 : a.dtype === 'f16' ? 4e-3 : 3e-2;
            const ok = Number.isNaN(want)
              ? Number.isNaN(got[i])
              : a.dtype === 'i32'
                ? got[i] === want
                : !Number.isFinite(want)
                  ? got[i] === want || Number.isNaN(got[i])
                  : Math.abs(got[i] - want) <= tol * (mag + 1);
            if (!ok)
              throw new Error(
                `matmul ${a.dtype}${JSON.stringify(a.shape)} @ ${JSON.stringify(b.shape)}: element ${i} is ${got[i]}, expected ${want}`,
              );
          }
        } finally {
          for (const t of keep) if (!t.isDisposed) t.dispose();
        }
      }),
      { seed: SEED, numRuns: RUNS * 100 },
    );
  });
});
