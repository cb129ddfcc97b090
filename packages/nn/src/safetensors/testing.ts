/**
 * Test support: safetensors bytes assembled by hand from the format's description (8-byte
 * little-endian header length, JSON header, data), apart from the package's writer and reader.
 */

/** Element types as written with a DataView, little-endian. */
export type Element = 'U8' | 'I8' | 'I16' | 'U16' | 'I32' | 'U32' | 'I64' | 'U64' | 'F32' | 'F64';

const SIZE: Record<Element, number> = {
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  I32: 4,
  U32: 4,
  I64: 8,
  U64: 8,
  F32: 4,
  F64: 8,
};

/** The little-endian bytes of `values` as elements of type `type`. */
export function le(type: Element, values: readonly (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(values.length * SIZE[type]);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    const at = i * SIZE[type];
    if (type === 'U8') v.setUint8(at, Number(x));
    else if (type === 'I8') v.setInt8(at, Number(x));
    else if (type === 'I16') v.setInt16(at, Number(x), true);
    else if (type === 'U16') v.setUint16(at, Number(x), true);
    else if (type === 'I32') v.setInt32(at, Number(x), true);
    else if (type === 'U32') v.setUint32(at, Number(x), true);
    else if (type === 'I64') v.setBigInt64(at, BigInt(x), true);
    else if (type === 'U64') v.setBigUint64(at, BigInt(x), true);
    else if (type === 'F32') v.setFloat32(at, Number(x), true);
    else v.setFloat64(at, Number(x), true);
  });
  return out;
}

export interface RawTensor {
  dtype: unknown;
  shape: unknown;
  data: Uint8Array;
}

/** A file whose tensors' bytes follow each other in the given order, with the header that says so. */
export function assemble(tensors: Record<string, RawTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  const out = assembleRaw(header, offset);
  let at = out.length - offset;
  for (const t of Object.values(tensors)) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

/** A file from a header (an object, or raw text) and a zero-filled data section of the given length. */
export function assembleRaw(header: unknown, dataLength: number, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}
