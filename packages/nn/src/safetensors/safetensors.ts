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

const FORMAT_DTYPES: Record<string, DType> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  F64: 'f64',
  I32: 'i32',
  BOOL: 'bool',
};
const BYTES: Record<DType, number> = { f32: 4, f16: 2, bf16: 2, f64: 8, i32: 4, bool: 1 };
const NAMES = Object.fromEntries(Object.entries(FORMAT_DTYPES).map(([k, v]) => [v, k])) as Record<
  DType,
  string
>;

export type TensorMap = Map<string, Tensor> | Record<string, Tensor>;

/** One tensor's header entry after validation. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
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

const bad = (message: string): never => {
  throw new TesseraError('safetensors', message);
};

/** Reads and validates the header; throws naming the offending tensor. */
export function parseHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8))
    bad(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
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
        if (typeof v !== 'string') bad(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) bad(`tensor '${name}': entry must be an object`);
    const dtype = FORMAT_DTYPES[String(e.dtype)];
    if (dtype === undefined) {
      bad(
        `tensor '${name}': unknown or unsupported dtype ${JSON.stringify(e.dtype)} (expected one of ${Object.keys(FORMAT_DTYPES).join(', ')})`,
      );
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`tensor '${name}': shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`tensor '${name}': data_offsets must be two non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLength) {
      bad(
        `tensor '${name}': data_offsets [${begin}, ${end}] out of range of the ${dataLength}-byte data section`,
      );
    }
    const want = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (end - begin !== want) {
      bad(
        `tensor '${name}': ${NAMES[dtype]} ${fmtShape(shape as number[])} needs ${want} bytes, but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
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

function arrayFor(dtype: DType, bytes: Uint8Array): TypedArray {
  // A copy: the source may be unaligned for the element size. Not `bytes.slice()`: on a Node Buffer (a
  // Uint8Array subclass, what readFileSync returns) slice is a view of the whole pool, not a copy.
  const buf = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case 'f32':
      return new Float32Array(buf);
    case 'f64':
      return new Float64Array(buf);
    case 'i32':
      return new Int32Array(buf);
    case 'bool':
      return new Uint8Array(buf);
    case 'f16':
    case 'bf16':
      return new Uint16Array(buf);
  }
}

/** Parses safetensors bytes into tensors, in header order. Bit-exact (NaN payloads, −0). */
export function deserialize(bytes: Uint8Array, options: DeserializeOptions = {}): Map<string, Tensor> {
  const { entries, dataStart } = parseHeader(bytes);
  const out = new Map<string, Tensor>();
  for (const e of entries) {
    const data = arrayFor(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (e.dtype === 'bool' && data.some((v) => v > 1)) bad(`tensor '${e.name}': BOOL bytes must be 0 or 1`);
    out.set(
      e.name,
      tensor(data, e.shape, { dtype: e.dtype, device: options.device, context: options.context }),
    );
  }
  return out;
}

/** The `__metadata__` string map of safetensors bytes ({} when absent). */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  return parseHeader(bytes).metadata;
}
