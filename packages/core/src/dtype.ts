import { TesseraError } from './errors.js';

/** Element types. f16 and bf16 are storage formats: kernels compute them in f32. */
export type DType = 'f32' | 'f64' | 'i32' | 'bool' | 'f16' | 'bf16';

export const DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'];

/** The typed array that holds each dtype's elements (f16/bf16 hold raw 16-bit patterns). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

export type TypedArrayFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'f64'
    ? Float64Array
    : D extends 'i32'
      ? Int32Array
      : D extends 'bool'
        ? Uint8Array
        : Uint16Array;

/** What `await t.data()` returns: f16 and bf16 are widened to f32 for the reader. */
export type DataFor<D extends DType> = D extends 'f16' | 'bf16' ? Float32Array : TypedArrayFor<D>;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/**
 * PyTorch's and NumPy's names for the dtypes Tessera has (`torch.float32` is `'float32'` or
 * `'float'`, …), accepted wherever a dtype is and mapped onto the canonical short names.
 */
export const DTYPE_ALIASES = {
  float32: 'f32',
  float: 'f32',
  float64: 'f64',
  double: 'f64',
  float16: 'f16',
  half: 'f16',
  bfloat16: 'bf16',
  int32: 'i32',
  int: 'i32',
} as const satisfies Record<string, DType>;

export type DTypeAlias = keyof typeof DTYPE_ALIASES;

/** A dtype by its short name (`'f32'`) or its PyTorch name (`'float32'`). */
export type DTypeName = DType | DTypeAlias;

/** The canonical dtype a name stands for. */
export type DTypeOf<N extends DTypeName> = N extends DType
  ? N
  : N extends DTypeAlias
    ? (typeof DTYPE_ALIASES)[N]
    : never;

/** PyTorch dtypes with no Tessera counterpart, and what to use instead. */
const MISSING_DTYPES: Record<string, string> = {
  int64: "64-bit integers are not supported (WebGPU has none); use 'int32' ('i32')",
  long: "64-bit integers are not supported (WebGPU has none); use 'int32' ('i32')",
  int16: "16-bit integers are not supported; use 'int32' ('i32')",
  short: "16-bit integers are not supported; use 'int32' ('i32')",
  int8: "8-bit integers are not supported; use 'int32' ('i32')",
  uint8: "unsigned 8-bit integers are not supported; use 'int32' ('i32'), or 'bool' for masks",
  complex64: 'complex dtypes are not supported',
  complex128: 'complex dtypes are not supported',
};

export function isDTypeName(x: unknown): x is DTypeName {
  return isDType(x) || (typeof x === 'string' && Object.hasOwn(DTYPE_ALIASES, x));
}

/** The canonical dtype for a name, or an error naming the op and every accepted name. */
export function resolveDType<N extends DTypeName>(op: string, name: N, subject?: string): DTypeOf<N>;
export function resolveDType(op: string, name: unknown, subject?: string): DType;
export function resolveDType(op: string, name: unknown, subject?: string): DType {
  if (isDType(name)) return name;
  if (typeof name === 'string' && Object.hasOwn(DTYPE_ALIASES, name))
    return DTYPE_ALIASES[name as DTypeAlias];
  const shown = typeof name === 'string' ? `'${name}'` : String(name);
  const why = typeof name === 'string' ? MISSING_DTYPES[name.replace(/^torch\./, '')] : undefined;
  const accepted = DTYPES.map((d) => {
    const aliases = Object.entries(DTYPE_ALIASES)
      .filter(([, v]) => v === d)
      .map(([k]) => k);
    return aliases.length > 0 ? `${d} (${aliases.join(', ')})` : d;
  }).join(', ');
  const of = subject ? ` for ${subject}` : '';
  throw new TesseraError(op, `unknown dtype ${shown}${of}${why ? `: ${why}` : ''}; accepted: ${accepted}`);
}

export function isFloat(d: DType): boolean {
  return d === 'f32' || d === 'f64' || d === 'f16' || d === 'bf16';
}

/** Half-width floats: kept in 16 bits, computed in f32. */
export function isHalf(d: DType): d is 'f16' | 'bf16' {
  return d === 'f16' || d === 'bf16';
}

export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'f64':
      return 8;
    case 'f32':
    case 'i32':
      return 4;
    case 'f16':
    case 'bf16':
      return 2;
    case 'bool':
      return 1;
  }
}

export function allocArray(d: DType, n: number): TypedArray {
  switch (d) {
    case 'f32':
      return new Float32Array(n);
    case 'f64':
      return new Float64Array(n);
    case 'i32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
    case 'f16':
    case 'bf16':
      return new Uint16Array(n);
  }
}

/** The dtype a typed array holds when no dtype is given. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint8Array) return 'bool';
  throw new TypeError('tensor: a Uint16Array is ambiguous (f16 or bf16); pass { dtype }');
}

// ---- half-precision conversion (round to nearest even) ----

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

/** IEEE 754 binary16 bit pattern nearest to x. */
export function f32ToF16Bits(x: number): number {
  f32Buf[0] = x;
  const bits = u32Buf[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r++; // may carry into the exponent: correct
  return sign | r;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** bfloat16 keeps the top 16 bits of an f32; round to nearest even on the dropped half. */
export function f32ToBf16Bits(x: number): number {
  f32Buf[0] = x;
  const bits = u32Buf[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  u32Buf[0] = (h & 0xffff) << 16;
  return f32Buf[0];
}

// ---- whole-array conversions (the CPU backend widens half storage around every kernel) ----

/** Decodes half-precision storage into f32 values (out has raw's length). */
export function decodeHalfArray(dtype: 'f16' | 'bf16', raw: Uint16Array, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  if (dtype === 'bf16') {
    for (let i = 0; i < raw.length; i++) bits[i] = raw[i] << 16;
    return;
  }
  for (let i = 0; i < raw.length; i++) {
    const h = raw[i];
    const exp = h & 0x7c00;
    if (exp !== 0 && exp !== 0x7c00) {
      // A normal f16: same sign and mantissa, exponent rebased from 15 to 127 (112 << 10 added).
      bits[i] = ((h & 0x8000) << 16) | (((h & 0x7fff) + 0x1c000) << 13);
    } else if ((h & 0x7fff) === 0) {
      bits[i] = (h & 0x8000) << 16; // ±0
    } else {
      out[i] = f16BitsToF32(h); // subnormal, ±inf, NaN
    }
  }
}

/** Encodes f32 values into half-precision storage, rounding to nearest even (as f32ToF16Bits/f32ToBf16Bits). */
export function encodeHalfArray(dtype: 'f16' | 'bf16', src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  if (dtype === 'bf16') {
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i];
      dst[i] =
        (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0
          ? ((b >>> 16) | 0x40) & 0xffff
          : ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    }
    return;
  }
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    const exp = (b >>> 23) & 0xff;
    // Normal results, the common case, inline; the rest (subnormal, overflow, inf/NaN) by the scalar path.
    if (exp > 112 && exp < 143) {
      const sign = (b >>> 16) & 0x8000;
      let r = ((exp - 112) << 10) | ((b & 0x7fffff) >>> 13);
      const rest = b & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r++;
      dst[i] = sign | r;
    } else if (exp < 102) {
      dst[i] = (b >>> 16) & 0x8000; // ±0 and everything that underflows to it
    } else {
      dst[i] = f32ToF16Bits(src[i]);
    }
  }
}

/** Reads element i of a storage array as a JS number, decoding half formats. */
export function readElement(d: DType, a: TypedArray, i: number): number {
  if (d === 'f16') return f16BitsToF32(a[i]);
  if (d === 'bf16') return bf16BitsToF32(a[i]);
  return a[i];
}

/** Encodes a JS number as dtype d's storage value. */
export function encodeElement(d: DType, x: number): number {
  switch (d) {
    case 'f16':
      return f32ToF16Bits(x);
    case 'bf16':
      return f32ToBf16Bits(x);
    case 'bool':
      return x !== 0 ? 1 : 0; // NaN is truthy, as in PyTorch
    case 'i32':
      // PyTorch truncates toward zero on float→int casts.
      return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    default:
      return x;
  }
}

// ---- type promotion ----

const RANK: Record<DType, number> = { bool: 0, i32: 1, bf16: 2, f16: 2, f32: 3, f64: 4 };

/** Result dtype of a binary op on two tensors (PyTorch's promotion lattice, simplified). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (isHalf(a) && isHalf(b)) return 'f32'; // f16 with bf16 has no common half type
  return RANK[a] >= RANK[b] ? a : b;
}

/** dtype a JS number takes next to a tensor of dtype d: scalars never widen a float tensor. */
export function scalarDType(d: DType, x: number | boolean): DType {
  if (typeof x === 'boolean') return d;
  if (isFloat(d)) return d;
  return Number.isInteger(x) ? (d === 'bool' ? 'i32' : d) : 'f32';
}
