import { fail } from '../../errors.js';
import type { CoreOpTable } from '../../op-names.js';
import {
  BINARY,
  type BinaryEntry,
  type BinaryName,
  NEGATIVE_INTEGER_POWER,
  UNARY,
  type UnaryEntry,
  type UnaryName,
} from '../../ops/elementwise-table.js';
import { contiguousStrides, isContiguous, numel } from '../../shape.js';
import { forEachRow, isDense, stridesFor } from '../strided.js';
import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput, NumArray } from '../types.js';
import { binaryWasm, compareWasm, unaryWasm, whereWasm } from '../wasm/elementwise.js';
import { BINARY_SIMD, COMPARE_SIMD, MODE, UNARY_SIMD } from '../wasm/elementwise-kernel.js';

/** Below this many elements the TypeScript loop beats copying into wasm memory and back. */
const WASM_MIN = 256;

/**
 * How an input is read along a contiguous output, if a SIMD kernel can read it that way:
 * dense (element i), a scalar (one element broadcast), or a row of `inner` contiguous elements
 * repeated along the leading axes (a bias). Undefined for any other layout.
 */
function access(
  x: CpuInput,
  shape: readonly number[],
): { kind: 'dense' | 'scalar' | 'row' | 'col'; inner: number } | undefined {
  if (isDense(x, shape)) return { kind: 'dense', inner: 0 };
  if (numel(x.shape) === 1) return { kind: 'scalar', inner: 1 };
  const r = shape.length;
  if (
    r > 1 &&
    x.shape.length === r &&
    x.shape[r - 1] === 1 &&
    shape[r - 1] > 1 &&
    x.shape.every((d, i) => i === r - 1 || d === shape[i]) &&
    isContiguous(x.shape, x.strides)
  )
    return { kind: 'col', inner: shape[r - 1] };
  const s = stridesFor(x, shape);
  const c = contiguousStrides(shape);
  let d = shape.length;
  while (d > 0 && (shape[d - 1] === 1 || s[d - 1] === c[d - 1])) d--;
  for (let i = 0; i < d; i++) if (s[i] !== 0 && shape[i] !== 1) return undefined;
  return d > 0 && d < shape.length ? { kind: 'row', inner: numel(shape.slice(d)) } : undefined;
}

/** The SIMD path of an f32 comparison (dense or scalar operands) giving bool, or false. */
function compareSimd(env: CpuKernelEnv, name: string, a: CpuInput, b: CpuInput, out: CpuOutput): boolean {
  if (out.data.length < WASM_MIN) return false;
  const rt = env.wasmModule();
  if (!rt) return false;
  const xa = access(a, out.shape);
  const xb = access(b, out.shape);
  let mode: number;
  if (xa?.kind === 'dense' && xb?.kind === 'dense') mode = MODE.dense;
  else if (xa?.kind === 'dense' && xb?.kind === 'scalar') mode = MODE.bScalar;
  else if (xa?.kind === 'scalar' && xb?.kind === 'dense') mode = MODE.aScalar;
  else return false;
  const n = out.data.length;
  const opA = { data: a.data as Float32Array, offset: a.offset, count: xa.kind === 'dense' ? n : 1 };
  const opB = { data: b.data as Float32Array, offset: b.offset, count: xb.kind === 'dense' ? n : 1 };
  return compareWasm(rt, name, opA, opB, mode, out.data as Uint8Array);
}

/**
 * An expanded view read as what it expands: axes of stride 0 become size 1, which broadcast back
 * to the output. A gradient broadcast with `expand` ([b, s, 1] → [b, s, d]) is then a column.
 */
function compact(x: CpuInput): CpuInput {
  if (!x.strides.some((st, i) => st === 0 && x.shape[i] > 1)) return x;
  return { ...x, shape: x.shape.map((d, i) => (x.strides[i] === 0 ? 1 : d)) };
}

/** A row-major copy of `x` broadcast to `shape` (for a layout no SIMD kernel reads). */
function densify(x: CpuInput, shape: readonly number[]): CpuInput {
  const data = new Float32Array(numel(shape));
  const src = x.data;
  forEachRow(
    shape,
    [stridesFor(x, shape)],
    [x.offset],
    (b, s, n, base) => {
      let i = b[0];
      const st = s[0];
      for (let j = 0; j < n; j++, i += st) data[base + j] = src[i];
    },
    true,
  );
  return { data, shape, strides: contiguousStrides(shape), offset: 0, dtype: 'f32' };
}

/** The SIMD path of a binary op on f32, or false to take the TypeScript one. */
function binarySimd(env: CpuKernelEnv, name: string, a0: CpuInput, b0: CpuInput, out: CpuOutput): boolean {
  if (a0.dtype !== 'f32' || b0.dtype !== 'f32') return false;
  if (name in COMPARE_SIMD && out.dtype === 'bool') return compareSimd(env, name, a0, b0, out);
  if (!(name in BINARY_SIMD) || out.dtype !== 'f32') return false;
  if (out.data.length < WASM_MIN) return false;
  const rt = env.wasmModule();
  if (!rt) return false;
  let a = compact(a0);
  let b = compact(b0);
  let xa = access(a, out.shape);
  let xb = access(b, out.shape);
  // A permuted or sliced operand: one row-major copy, then the SIMD kernel, beats the strided
  // scalar loop (about 20 ns per element) several times over.
  if (!xa) {
    a = densify(a, out.shape);
    xa = { kind: 'dense', inner: 0 };
  }
  if (!xb) {
    b = densify(b, out.shape);
    xb = { kind: 'dense', inner: 0 };
  }
  const n = out.data.length;
  let mode: number;
  let inner = 0;
  if (xa.kind === 'dense' && xb.kind === 'dense') mode = MODE.dense;
  else if (xa.kind === 'dense' && xb.kind === 'scalar') mode = MODE.bScalar;
  else if (xa.kind === 'scalar' && xb.kind === 'dense') mode = MODE.aScalar;
  else if (xa.kind === 'dense' && xb.kind === 'row') [mode, inner] = [MODE.bRow, xb.inner];
  else if (xa.kind === 'row' && xb.kind === 'dense') [mode, inner] = [MODE.aRow, xa.inner];
  else if (xa.kind === 'dense' && xb.kind === 'col') [mode, inner] = [MODE.bCol, xb.inner];
  else if (xa.kind === 'col' && xb.kind === 'dense') [mode, inner] = [MODE.aCol, xa.inner];
  else return false;
  const count = (k: string, i: number) => (k === 'dense' ? n : k === 'scalar' ? 1 : k === 'col' ? n / i : i);
  const opA = { data: a.data as Float32Array, offset: a.offset, count: count(xa.kind, xa.inner) };
  const opB = { data: b.data as Float32Array, offset: b.offset, count: count(xb.kind, xb.inner) };
  return binaryWasm(rt, name, opA, opB, mode, inner, out.data as Float32Array);
}

/** The SIMD path of a unary op on an f32 input (a strided one copied row-major first), or false. */
function unarySimd(env: CpuKernelEnv, name: string, x: CpuInput, out: CpuOutput): boolean {
  if (!(name in UNARY_SIMD) || out.dtype !== 'f32' || x.dtype !== 'f32') return false;
  if (out.data.length < WASM_MIN) return false;
  const rt = env.wasmModule();
  if (!rt) return false;
  const src = isDense(x, out.shape) ? x : densify(x, out.shape);
  const op = { data: src.data as Float32Array, offset: src.offset, count: out.data.length };
  return unaryWasm(rt, name, op, out.data as Float32Array);
}

function unaryKernel<A>(e: UnaryEntry<A>): CpuKernel<A> {
  const i32 = e.i32;
  return ([x], [out], attrs, env) => {
    // gelu's tanh approximation is a kernel of its own.
    const tanhGelu = e.name === 'gelu' && (attrs as { approximate?: string }).approximate === 'tanh';
    if (unarySimd(env, tanhGelu ? 'gelu_tanh' : e.name, x, out)) return;
    const f = out.dtype === 'i32' && i32 ? (v: number) => i32(v) : e.js;
    const src = x.data;
    const dst = out.data;
    if (isDense(x, out.shape)) {
      const o = x.offset;
      for (let i = 0; i < dst.length; i++) dst[i] = f(src[o + i], attrs);
      return;
    }
    forEachRow(
      out.shape,
      [x.strides],
      [x.offset],
      (b, s, n, base) => {
        let i = b[0];
        for (let j = 0; j < n; j++, i += s[0]) dst[base + j] = f(src[i], attrs);
      },
      true,
    );
  };
}

function binaryKernel(e: BinaryEntry): CpuKernel {
  return ([a, b], [out], _attrs, env) => {
    if (binarySimd(env, e.name, a, b, out)) return;
    const i32 = out.dtype === 'i32' && e.i32;
    const f = i32 || e.js;
    try {
      binaryLoop(f, a, b, out, i32 ? undefined : e.jsWithB);
    } catch (err) {
      if (err instanceof RangeError && err.message === NEGATIVE_INTEGER_POWER)
        fail(e.name, `${err.message} (i32 operands; cast to f32 for a fractional result)`);
      throw err;
    }
  };
}

function binaryLoop(
  f: (a: number, b: number) => number,
  a: CpuInput,
  b: CpuInput,
  out: CpuOutput,
  withB?: BinaryEntry['jsWithB'],
): void {
  const x = a.data;
  const y = b.data;
  const dst = out.data;
  const shape = out.shape;
  if (isDense(a, shape) && isDense(b, shape)) {
    const oa = a.offset;
    const ob = b.offset;
    for (let i = 0; i < dst.length; i++) dst[i] = f(x[oa + i], y[ob + i]);
    return;
  }
  // A dense side and a single broadcast value (e.g. pow(x, 3)): one flat loop, whatever the shape
  // (rows of length 1 would otherwise cost a callback per element).
  const sa = stridesFor(a, shape);
  const sb = stridesFor(b, shape);
  if (isDense(a, shape) && sb.every((st) => st === 0)) {
    const oa = a.offset;
    const v = y[b.offset];
    const g = withB?.(v);
    if (g) for (let i = 0; i < dst.length; i++) dst[i] = g(x[oa + i]);
    else for (let i = 0; i < dst.length; i++) dst[i] = f(x[oa + i], v);
    return;
  }
  if (sa.every((st) => st === 0) && isDense(b, shape)) {
    const v = x[a.offset];
    const ob = b.offset;
    for (let i = 0; i < dst.length; i++) dst[i] = f(v, y[ob + i]);
    return;
  }
  forEachRow(
    shape,
    [sa, sb],
    [a.offset, b.offset],
    (bs, s, n, base) => {
      let i = bs[0];
      let k = bs[1];
      const [da, db] = s;
      for (let j = 0; j < n; j++, i += da, k += db) dst[base + j] = f(x[i], y[k]);
    },
    true,
  );
}

type Flat = (
  cd: NumArray,
  x: NumArray,
  y: NumArray,
  dst: NumArray,
  offsets: number[],
  steps: number[],
) => void;

const whereFlat: Flat = (cd, x, y, dst, [oc, oa, ob], [sc, sa, sb]) => {
  for (let i = 0, ic = oc, ia = oa, ib = ob; i < dst.length; i++, ic += sc, ia += sa, ib += sb) {
    dst[i] = cd[ic] !== 0 ? x[ia] : y[ib];
  }
};

/**
 * The common case, a bool mask choosing between f32 values, without a branch per element: a data-dependent
 * mask such as ReLU's defeats the branch predictor (about 2× slower on random masks). The 32-bit patterns
 * are blended with m = −1 where the mask is set and 0 elsewhere, (x & m) | (y & ~m), which copies the
 * chosen value's bits exactly, NaN payloads and −0 included.
 */
function whereFlatF32(
  cd: Uint8Array,
  x: Float32Array,
  y: Float32Array,
  dst: Float32Array,
  [oc, oa, ob]: number[],
  [sc, sa, sb]: number[],
): void {
  const bits = (v: Float32Array) => new Int32Array(v.buffer, v.byteOffset, v.length);
  const xi = bits(x);
  const yi = bits(y);
  const di = bits(dst);
  for (let i = 0, ic = oc, ia = oa, ib = ob; i < di.length; i++, ic += sc, ia += sa, ib += sb) {
    const c = cd[ic];
    const m = (c | -c) >> 31; // −1 for c in 1…255, 0 for c = 0
    di[i] = (xi[ia] & m) | (yi[ib] & ~m);
  }
}

const whereKernel: CpuKernel = ([c, a, b], [out], _attrs, env) => {
  const cd = c.data;
  const x = a.data;
  const y = b.data;
  const dst = out.data;
  const shape = out.shape;
  // Dense or one-element operands (a mask and a scalar fill, as in ReLU's gradient): one flat loop.
  const step = (t: CpuInput) => (isDense(t, shape) ? 1 : numel(t.shape) === 1 ? 0 : -1);
  const sc = step(c);
  const sa = step(a);
  const sb = step(b);
  if (sc >= 0 && sa >= 0 && sb >= 0) {
    const offsets = [c.offset, a.offset, b.offset];
    if (
      cd instanceof Uint8Array &&
      x instanceof Float32Array &&
      y instanceof Float32Array &&
      dst instanceof Float32Array
    ) {
      // A dense mask runs as SIMD bit selects (16 lanes a step); a one-element mask, or a small op, here.
      const rt = sc === 1 && dst.length >= WASM_MIN ? env.wasmModule() : undefined;
      const n = dst.length;
      if (
        rt &&
        whereWasm(
          rt,
          cd,
          c.offset,
          { data: x, offset: a.offset, count: sa === 1 ? n : 1 },
          { data: y, offset: b.offset, count: sb === 1 ? n : 1 },
          dst,
        )
      )
        return;
      whereFlatF32(cd, x, y, dst, offsets, [sc, sa, sb]);
    } else {
      whereFlat(cd, x, y, dst, offsets, [sc, sa, sb]);
    }
    return;
  }
  forEachRow(
    shape,
    [stridesFor(c, shape), stridesFor(a, shape), stridesFor(b, shape)],
    [c.offset, a.offset, b.offset],
    (bs, s, n, base) => {
      let ic = bs[0];
      let ia = bs[1];
      let ib = bs[2];
      for (let j = 0; j < n; j++, ic += s[0], ia += s[1], ib += s[2])
        dst[base + j] = cd[ic] !== 0 ? x[ia] : y[ib];
    },
    true,
  );
};

/**
 * CPU kernels generated from the elementwise table in ops/elementwise-table.ts; f32 arithmetic
 * over dense, scalar and bias-row operands runs as WebAssembly SIMD when the backend has a runtime.
 */
export const elementwiseKernels: CoreOpTable<CpuKernel> = {
  where: whereKernel,
  ...Object.fromEntries(
    (Object.keys(UNARY) as UnaryName[]).map((n) => [n, unaryKernel(UNARY[n] as UnaryEntry<unknown>)]),
  ),
  ...Object.fromEntries((Object.keys(BINARY) as BinaryName[]).map((n) => [n, binaryKernel(BINARY[n])])),
};
