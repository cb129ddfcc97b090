import { createContext, memory, type Tensor, TesseraError } from '@tessera/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from './safetensors.js';
import { assemble, assembleRaw, le, type RawTensor } from './testing.js';

/**
 * Property-based fuzzing of the safetensors reader: valid files built by hand (testing.ts), then
 * mutated (bit flips, truncation, inserted bytes, a rewritten header length, header fields replaced by
 * hostile JSON, offsets out of range, huge shapes). Every outcome must be a TesseraError or tensors
 * that agree with an independent decode of the bytes inside the file's view; never another error,
 * a hang, a read outside the view, or a leaked tensor. Seeded; TESSERA_FUZZ_RUNS raises the count.
 */

const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 600);
const SEED = Number(process.env.TESSERA_FUZZ_SEED ?? 20261204);
const context = createContext();

const SIZE: Record<string, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I32: 4,
  BOOL: 1,
  I64: 8,
  U64: 8,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
};
/** Formats whose bits Tessera keeps as they are. */
const KEPT = new Set(['F32', 'F16', 'BF16', 'F64', 'I32', 'BOOL']);

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const u31 = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Valid bytes for `n` elements of a format (integers that need it within i32's range). */
function dataFor(format: string, n: number): fc.Arbitrary<Uint8Array> {
  const many = (a: fc.Arbitrary<number>) => fc.array(a, { minLength: n, maxLength: n });
  if (format === 'BOOL') return many(fc.integer({ min: 0, max: 1 })).map((xs) => le('U8', xs));
  if (format === 'I64') return many(i32).map((xs) => le('I64', xs));
  if (format === 'U64' || format === 'U32') return many(u31).map((xs) => le(format, xs));
  return fc.uint8Array({ minLength: n * SIZE[format], maxLength: n * SIZE[format] });
}

const tensorArb: fc.Arbitrary<RawTensor> = fc
  .record({
    dtype: fc.constantFrom(...Object.keys(SIZE)),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) =>
    dataFor(
      dtype,
      shape.reduce((a, b) => a * b, 1),
    ).map((data) => ({ dtype, shape, data })),
  );

const fileArb = fc
  .uniqueArray(fc.tuple(fc.string({ maxLength: 6 }), tensorArb), {
    selector: ([name]) => name,
    minLength: 1,
    maxLength: 4,
  })
  .map((ts) =>
    assemble(Object.fromEntries(ts.filter(([name]) => name !== '__metadata__')), { format: 'pt' }),
  );

/** Stands for arrays nested 100,000 deep, which JSON.stringify cannot write (see `withHeader`). */
const DEEP = '\u0000deep';

/** Hostile JSON for a header field. */
const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    ['F32'],
    'constructor',
    '__proto__',
    'toString',
    -1,
    0.5,
    2 ** 53,
    2 ** 64,
    1e308,
    [0, 2 ** 53 - 1],
    [2 ** 40, 2 ** 40],
    [0, 2 ** 53 - 1, 0],
    [2 ** 31, 2 ** 31],
    new Array(200).fill(1),
    [-0],
    [null],
    ['1'],
    DEEP,
  ),
);

type Header = Record<string, Record<string, unknown>>;

/** The file's header and data section, read apart from the code under test. */
function split(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Header,
    data: bytes.subarray(8 + n),
  };
}

function withHeader(bytes: Uint8Array, edit: (h: Header) => void): Uint8Array {
  const { header, data } = split(bytes);
  edit(header);
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const out = assembleRaw(null, data.length, JSON.stringify(header).replaceAll(JSON.stringify(DEEP), deep));
  out.set(data, out.length - data.length);
  return out;
}

const tensorNames = (h: Header) => Object.keys(h).filter((k) => k !== '__metadata__');

type Mutation = (bytes: Uint8Array) => Uint8Array;

const mutationArb: fc.Arbitrary<[string, Mutation]> = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 })
    .map((flips): [string, Mutation] => [
      'bit flips',
      (b) => {
        const out = b.slice();
        for (const [at, bit] of flips) out[at % out.length] ^= 1 << bit;
        return out;
      },
    ]),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((writes): [string, Mutation] => [
      'data bytes',
      (b) => {
        const out = b.slice();
        const { data } = split(out);
        const start = out.length - data.length;
        if (data.length > 0) for (const [at, value] of writes) out[start + (at % data.length)] = value;
        return out;
      },
    ]),
  fc
    .tuple(fc.nat(), fc.constantFrom('array', 'same size', 'lower case', 'constructor', 'toString'))
    .map(([k, how]): [string, Mutation] => [
      'dtype swapped',
      (b) =>
        withHeader(b, (h) => {
          const entry = h[tensorNames(h)[k % tensorNames(h).length]];
          const dtype = entry.dtype as string;
          const sameSize = Object.keys(SIZE).filter((d) => SIZE[d] === SIZE[dtype] && d !== dtype);
          entry.dtype =
            how === 'array'
              ? [dtype]
              : how === 'same size'
                ? (sameSize[k % sameSize.length] ?? dtype)
                : how === 'lower case'
                  ? dtype.toLowerCase()
                  : how;
        }),
    ]),
  fc.nat().map((at): [string, Mutation] => ['truncation', (b) => b.slice(0, at % b.length)]),
  fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }))
    .map(([at, extra]): [string, Mutation] => [
      'inserted bytes',
      (b) => {
        const i = at % (b.length + 1);
        return Uint8Array.from([...b.subarray(0, i), ...extra, ...b.subarray(i)]);
      },
    ]),
  fc
    .oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: -16, max: 16 }).map(BigInt))
    .map((n): [string, Mutation] => [
      'header length',
      (b) => {
        const out = b.slice();
        const v = new DataView(out.buffer);
        const len = n < 0n || n > 16n ? n : v.getBigUint64(0, true) + n;
        v.setBigUint64(0, BigInt.asUintN(64, len < 0n ? 0n : len), true);
        return out;
      },
    ]),
  fc
    .tuple(fc.nat(), fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra'), hostile)
    .map(([k, field, value]): [string, Mutation] => [
      `header field ${field}`,
      (b) =>
        withHeader(b, (h) => {
          const names = tensorNames(h);
          h[names[k % names.length]][field] = value;
        }),
    ]),
  fc
    .tuple(fc.nat(), fc.nat(), fc.constantFrom(1, 7, 2 ** 20, 2 ** 53 - 1))
    .map(([k, which, far]): [string, Mutation] => [
      'offsets out of range',
      (b) =>
        withHeader(b, (h) => {
          const names = tensorNames(h);
          const offs = h[names[k % names.length]].data_offsets as number[];
          offs[which % 2] += far;
        }),
    ]),
  fc
    .tuple(fc.nat(), fc.constantFrom('__metadata__', '__proto__', 'constructor', ''))
    .map(([k, name]): [string, Mutation] => [
      'tensor renamed',
      (b) =>
        withHeader(b, (h) => {
          const names = tensorNames(h);
          const old = names[k % names.length];
          h[name] = h[old];
          if (name !== old) delete h[old];
        }),
    ]),
  hostile.map((value): [string, Mutation] => [
    'metadata',
    (b) =>
      withHeader(b, (h) => {
        (h as Record<string, unknown>).__metadata__ = value;
      }),
  ]),
  fc.string({ maxLength: 40 }).map((text): [string, Mutation] => [
    'header text',
    (b) => {
      const { data } = split(b);
      const out = assembleRaw(null, data.length, text);
      out.set(data, out.length - data.length);
      return out;
    },
  ]),
);

/** The raw storage bytes of a tensor. */
function storageBytes(t: Tensor): Uint8Array {
  const s = t.storageFor('test');
  const a = s.backend.readSync!(s.buffer, s.dtype, s.size);
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** Element i of a format, decoded with a DataView. */
function element(format: string, v: DataView, i: number): number {
  switch (format) {
    case 'I64':
      return Number(v.getBigInt64(8 * i, true));
    case 'U64':
      return Number(v.getBigUint64(8 * i, true));
    case 'U32':
      return v.getUint32(4 * i, true);
    case 'I16':
      return v.getInt16(2 * i, true);
    case 'U16':
      return v.getUint16(2 * i, true);
    case 'I8':
      return v.getInt8(i);
    default:
      return v.getUint8(i);
  }
}

const GUARD = 64;

/**
 * Reads `bytes` from a view in the middle of a larger buffer whose guard bytes hold 0xEE: the result
 * must be a TesseraError, or tensors equal to what an independent reader finds inside the view.
 */
function check(bytes: Uint8Array): 'error' | 'ok' {
  const big = new Uint8Array(bytes.length + 2 * GUARD).fill(0xee);
  big.set(bytes, GUARD);
  const view = big.subarray(GUARD, GUARD + bytes.length);
  const before = memory(context).tensors;
  let out: Map<string, Tensor>;
  try {
    out = deserialize(view, { context });
  } catch (e) {
    if (!(e instanceof TesseraError)) throw new Error(`not a TesseraError: ${(e as Error)?.stack ?? e}`);
    expect(e.op).toBe('safetensors');
    expect(memory(context).tensors).toBe(before);
    return 'error';
  }
  try {
    const { header, data } = split(bytes);
    expect([...out.keys()].sort()).toEqual(tensorNames(header).sort());
    for (const [name, t] of out) {
      const { dtype, shape, data_offsets } = header[name] as {
        dtype: string;
        shape: number[];
        data_offsets: number[];
      };
      const [b, e] = data_offsets;
      expect(e).toBeLessThanOrEqual(data.length);
      expect(t.shape).toEqual(shape);
      const src = data.subarray(b, e);
      if (KEPT.has(dtype)) expect(storageBytes(t)).toEqual(src.slice());
      else {
        const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
        const want = Array.from({ length: t.size }, (_, i) => element(dtype, v, i));
        expect([t.dtype, Array.from(t.dataSync())]).toEqual(['i32', want]);
      }
    }
    // a valid round trip: written again and read again, the same storage
    const again = deserialize(serialize(out), { context });
    for (const [name, t] of again) expect(storageBytes(t)).toEqual(storageBytes(out.get(name)!));
    for (const t of again.values()) t.dispose();
  } finally {
    for (const t of out.values()) t.dispose();
  }
  return 'ok';
}

describe('safetensors fuzzing', () => {
  it(`valid files built by hand read back exactly (${RUNS} files)`, () => {
    fc.assert(
      fc.property(fileArb, (bytes) => {
        expect(check(bytes)).toBe('ok');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`mutated files give a TesseraError or a valid round trip, never a crash or an over-read (${RUNS * 5} files)`, () => {
    const tally: Record<string, Record<'error' | 'ok', number>> = {};
    fc.assert(
      fc.property(fileArb, mutationArb, (bytes, [kind, mutate]) => {
        const result = check(mutate(bytes));
        tally[kind] ??= { error: 0, ok: 0 };
        tally[kind][result]++;
      }),
      { seed: SEED + 1, numRuns: RUNS * 5 },
    );
    const total = Object.values(tally).reduce((s, t) => s + t.error + t.ok, 0);
    // fast-check replays a failure while shrinking; a passing run tries each case once
    expect(total).toBe(RUNS * 5);
    // every kind of mutation was tried, and most were caught as errors
    expect(Object.keys(tally).length).toBeGreaterThanOrEqual(14);
    if (process.env.TESSERA_FUZZ_RUNS) console.info('safetensors fuzz:', JSON.stringify(tally));
  });
});
