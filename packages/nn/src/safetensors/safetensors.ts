import {
  type Context,
  contiguous,
  type DType,
  fmtShape,
  type Tensor,
  TesseraError,
  type TypedArray,
  tensor,
} from '@tessera/core';

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian u64 N, N bytes of JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }`
 * padded with spaces so the data starts 8-byte aligned, then the tensors' bytes, row-major and
 * little-endian, with offsets relative to the start of the data. The tensors must tile the data
 * exactly: no gaps, no overlaps.
 */

/** The dtypes Tessera writes, by Tessera dtype, and their element sizes. */
const NAMES: Record<DType, string> = {
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
  f64: 'F64',
  i32: 'I32',
  bool: 'BOOL',
};
const BYTES: Record<DType, number> = { f32: 4, f16: 2, bf16: 2, f64: 8, i32: 4, bool: 1 };

/**
 * How each dtype string of the format is read: the Tessera dtype it becomes and its size in the
 * file. Floats and I32/BOOL keep their bits; the other integers become i32, exactly (I8, U8, I16,
 * U16) or checked element by element (I64, U32, U64 must fit in [−2³¹, 2³¹ − 1]).
 */
const READ: Record<string, { dtype: DType; bytes: number }> = {
  F32: { dtype: 'f32', bytes: 4 },
  F16: { dtype: 'f16', bytes: 2 },
  BF16: { dtype: 'bf16', bytes: 2 },
  F64: { dtype: 'f64', bytes: 8 },
  I32: { dtype: 'i32', bytes: 4 },
  BOOL: { dtype: 'bool', bytes: 1 },
  I64: { dtype: 'i32', bytes: 8 },
  U64: { dtype: 'i32', bytes: 8 },
  U32: { dtype: 'i32', bytes: 4 },
  I16: { dtype: 'i32', bytes: 2 },
  U16: { dtype: 'i32', bytes: 2 },
  I8: { dtype: 'i32', bytes: 1 },
  U8: { dtype: 'i32', bytes: 1 },
};
/** Dtypes of the format that Tessera has no type for (8-bit floats, complex). */
const UNSUPPORTED = ['F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64'];
/** The reference implementation's limit on the JSON header (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export type TensorMap = Map<string, Tensor> | Record<string, Tensor>;

/** One tensor's header entry after validation. */
export interface SafetensorsEntry {
  name: string;
  /** The Tessera dtype the tensor is read as. */
  dtype: DType;
  /** The dtype string in the file ('F32', 'I64', 'U8', …). */
  format: string;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file. */
  dataStart: number;
}

const entriesOf = (tensors: TensorMap): [string, Tensor][] =>
  tensors instanceof Map ? [...tensors] : Object.entries(tensors);

/** The raw storage elements (half floats as bits, bools as bytes) of a CPU tensor, row-major. */
function rawSync(name: string, t: Tensor): TypedArray {
  const backend = t.storageFor('serialize').backend;
  if (!backend.readSync) {
    throw new TesseraError(
      'serialize',
      `tensor '${name}' lives on '${t.device}', which reads asynchronously; use serializeAsync`,
    );
  }
  const c = contiguous(t);
  try {
    const s = c.storageFor('serialize');
    return backend.readSync(s.buffer, s.dtype, s.size).slice(c.offset, c.offset + c.size);
  } finally {
    if (c !== t) c.dispose();
  }
}

async function rawAsync(t: Tensor): Promise<TypedArray> {
  const c = contiguous(t);
  try {
    const s = c.storageFor('serialize');
    return (await s.backend.read(s.buffer, s.dtype, s.size)).slice(c.offset, c.offset + c.size);
  } finally {
    if (c !== t) c.dispose();
  }
}

function checkMetadata(metadata: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string')
      throw new TesseraError('serialize', `metadata '${k}' must be a string, got ${typeof v}`);
  }
}

/** Lays out header and data given each tensor's raw elements. */
function encode(
  items: [string, Tensor, TypedArray][],
  metadata: Record<string, string> | undefined,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of items) {
    if (name === '__metadata__')
      throw new TesseraError('serialize', "'__metadata__' is reserved and cannot name a tensor");
    const n = t.size * BYTES[t.dtype];
    header[name] = { dtype: NAMES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const [, , raw] of items) {
    // Typed arrays are in the platform's byte order, little-endian on every supported engine.
    out.set(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), at);
    at += raw.byteLength;
  }
  return out;
}

/** Serializes CPU tensors (in the given order) and optional string metadata to safetensors bytes. */
export function serialize(tensors: TensorMap, metadata?: Record<string, string>): Uint8Array {
  checkMetadata(metadata);
  return encode(
    entriesOf(tensors).map(([name, t]) => [name, t, rawSync(name, t)]),
    metadata,
  );
}

/** `serialize` for tensors on any device (reads them back asynchronously). */
export async function serializeAsync(
  tensors: TensorMap,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  checkMetadata(metadata);
  const items: [string, Tensor, TypedArray][] = [];
  for (const [name, t] of entriesOf(tensors)) items.push([name, t, await rawAsync(t)]);
  return encode(items, metadata);
}

/**
 * A header value for an error message: its JSON, cut to 60 characters. Never throws: a hostile
 * header may nest arrays deeper than JSON.stringify's recursion can go.
 */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `${Array.isArray(value) ? 'an array' : 'a value'} nested too deeply to print`;
  }
  return cut(text);
}

const cut = (text: string): string => (text.length > 60 ? `${text.slice(0, 57)}...` : text);

const bad = (message: string): never => {
  throw new TesseraError('safetensors', message);
};

/** Reads and validates the header; throws naming the offending tensor. */
export function parseHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8))
    bad(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
  if (n > BigInt(MAX_HEADER_BYTES))
    bad(`header length ${n} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`);
  const dataStart = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    bad('header must be a JSON object');
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        bad('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__ '${k}' must be a string, got ${show(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null || Array.isArray(e))
      bad(`tensor '${name}': entry must be an object`);
    const format = e.dtype;
    // Only the format's own strings: not `["F32"]` (which String() would turn into "F32") nor an
    // inherited key such as "constructor".
    if (typeof format !== 'string' || !Object.hasOwn(READ, format)) {
      const why = UNSUPPORTED.includes(format as string)
        ? 'has no Tessera equivalent'
        : 'is not a safetensors dtype';
      bad(`tensor '${name}': dtype ${show(format)} ${why} (readable: ${Object.keys(READ).join(', ')})`);
    }
    const { dtype, bytes: size } = READ[format as string];
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`tensor '${name}': shape must be an array of non-negative integers, got ${show(shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`tensor '${name}': data_offsets must be two non-negative integers, got ${show(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLength) {
      bad(
        `tensor '${name}': data_offsets [${begin}, ${end}] out of range of the ${dataLength}-byte data section`,
      );
    }
    // With a 0 anywhere the tensor is empty (not Infinity × 0 = NaN for other huge dimensions).
    const count = (shape as number[]).includes(0) ? 0 : (shape as number[]).reduce((a, b) => a * b, 1);
    const want = count * size;
    if (!Number.isSafeInteger(want))
      bad(`tensor '${name}': shape ${show(shape)} has ${count} elements, more than any file can hold`);
    if (end - begin !== want) {
      bad(
        `tensor '${name}': ${format} ${cut(fmtShape(shape as number[]))} needs ${want} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype, format: format as string, shape: shape as number[], begin, end });
  }
  // The tensors must tile the data section: sorted by offset, each starts where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at)
      bad(
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${at})`,
      );
    if (e.begin > at)
      bad(`tensor '${e.name}': data_offsets start at ${e.begin}, leaving bytes ${at}–${e.begin} uncovered`);
    at = e.end;
  }
  if (at !== dataLength) bad(`tensors cover ${at} bytes of the ${dataLength}-byte data section`);
  return { entries, metadata, dataStart };
}

export interface DeserializeOptions {
  device?: string;
  context?: Context;
}

/** "element 5 ([1, 2])": a flat index and its position in the shape. */
function at(index: number, shape: readonly number[]): string {
  const pos: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    pos.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `element ${index} (${fmtShape(pos)})`;
}

const I32_MAX = 2 ** 31 - 1;

/** Converts element by element into a new Int32Array. */
function ints(n: number, read: (i: number) => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = read(i);
  return out;
}

/**
 * The tensor's elements from its bytes, always a copy (the source may be unaligned for the
 * element size; and not `bytes.slice()`, which on a Node Buffer is a view of the whole pool). Bits
 * are copied as they are where the dtype is kept (typed arrays are little-endian on every supported
 * engine, like the format); other integers are widened to i32 or checked against its range.
 */
function decode(e: SafetensorsEntry, src: Uint8Array): TypedArray {
  const copy = () => new Uint8Array(src).buffer;
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const n = src.byteLength / READ[e.format].bytes;
  const outOfRange = (i: number, value: bigint | number): never =>
    bad(
      `tensor '${e.name}': ${e.format} value ${value} at ${at(i, e.shape)} does not fit in i32 ([−2147483648, 2147483647]), Tessera's integer dtype`,
    );
  switch (e.format) {
    case 'F32':
      return new Float32Array(copy());
    case 'F64':
      return new Float64Array(copy());
    case 'F16':
    case 'BF16':
      return new Uint16Array(copy()); // raw bit patterns, so NaN payloads survive
    case 'I32':
      return new Int32Array(copy());
    case 'BOOL': {
      const out = new Uint8Array(copy());
      const i = out.findIndex((b) => b > 1);
      if (i >= 0) bad(`tensor '${e.name}': BOOL bytes must be 0 or 1, got ${out[i]} at ${at(i, e.shape)}`);
      return out;
    }
    case 'U8':
      return Int32Array.from(src);
    case 'I8':
      return ints(n, (i) => v.getInt8(i));
    case 'I16':
      return ints(n, (i) => v.getInt16(2 * i, true));
    case 'U16':
      return ints(n, (i) => v.getUint16(2 * i, true));
    case 'U32':
      return ints(n, (i) => {
        const x = v.getUint32(4 * i, true);
        return x > I32_MAX ? outOfRange(i, x) : x;
      });
    case 'I64':
    case 'U64': {
      const signed = e.format === 'I64';
      return ints(n, (i) => {
        // It fits iff the high word is the sign extension of the low word (I64), or zero with
        // the low word's top bit clear (U64).
        const lo = v.getInt32(8 * i, true);
        const hi = v.getInt32(8 * i + 4, true);
        if (signed ? hi === lo >> 31 : hi === 0 && lo >= 0) return lo;
        return outOfRange(i, signed ? v.getBigInt64(8 * i, true) : v.getBigUint64(8 * i, true));
      });
    }
  }
  return bad(`tensor '${e.name}': no reader for dtype ${e.format}`);
}

/**
 * Parses safetensors bytes into tensors, in header order, with the dtypes of `READ` (floats bit-exact,
 * NaN payloads and −0 included). If any tensor fails (a value out of range, a bad BOOL byte, a
 * device error), the tensors already made are disposed before the error is thrown.
 */
export function deserialize(bytes: Uint8Array, options: DeserializeOptions = {}): Map<string, Tensor> {
  const { entries, dataStart } = parseHeader(bytes);
  const out = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      const data = decode(e, bytes.subarray(dataStart + e.begin, dataStart + e.end));
      out.set(
        e.name,
        tensor(data, e.shape, { dtype: e.dtype, device: options.device, context: options.context }),
      );
    }
  } catch (err) {
    for (const t of out.values()) t.dispose();
    throw err;
  }
  return out;
}

/** The `__metadata__` string map of safetensors bytes ({} when absent). */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  return parseHeader(bytes).metadata;
}
