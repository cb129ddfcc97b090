import { readFileSync } from 'node:fs';
import { createContext, memory, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { loadFile } from './node.js';
import { deserialize, parseHeader, serialize } from './safetensors.js';
import { assemble, le } from './testing.js';

const context = createContext();
const values = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe('safetensors dtypes', () => {
  it('reads every integer width as i32 and F64 as f64, from bytes assembled by hand (unaligned)', () => {
    const bytes = assemble({
      // 3 bytes first, so every later tensor starts at an odd offset
      u8: { dtype: 'U8', shape: [3], data: le('U8', [0, 200, 255]) },
      i64: { dtype: 'I64', shape: [2, 2], data: le('I64', [-(2n ** 31n), -1, 0, 2n ** 31n - 1n]) },
      u64: { dtype: 'U64', shape: [2], data: le('U64', [0, 2n ** 31n - 1n]) },
      u32: { dtype: 'U32', shape: [2], data: le('U32', [2 ** 31 - 1, 7]) },
      i16: { dtype: 'I16', shape: [3], data: le('I16', [-32768, -2, 32767]) },
      u16: { dtype: 'U16', shape: [2], data: le('U16', [65535, 40000]) },
      i8: { dtype: 'I8', shape: [3], data: le('I8', [-128, -1, 127]) },
      bool: { dtype: 'BOOL', shape: [3], data: le('U8', [1, 0, 1]) },
      f64: { dtype: 'F64', shape: [3], data: le('F64', [Math.PI, -0, 1e300]) },
      scalar: { dtype: 'I64', shape: [], data: le('I64', [42]) },
    });
    const t = deserialize(bytes, { context });
    const expected: Record<string, [string, number[], (number | boolean)[]]> = {
      u8: ['i32', [3], [0, 200, 255]],
      i64: ['i32', [2, 2], [-(2 ** 31), -1, 0, 2 ** 31 - 1]],
      u64: ['i32', [2], [0, 2 ** 31 - 1]],
      u32: ['i32', [2], [2 ** 31 - 1, 7]],
      i16: ['i32', [3], [-32768, -2, 32767]],
      u16: ['i32', [2], [65535, 40000]],
      i8: ['i32', [3], [-128, -1, 127]],
      bool: ['bool', [3], [1, 0, 1]],
      f64: ['f64', [3], [Math.PI, -0, 1e300]],
      scalar: ['i32', [], [42]],
    };
    for (const [name, [dtype, shape, want]] of Object.entries(expected)) {
      const got = t.get(name)!;
      expect([name, got.dtype, got.shape]).toEqual([name, dtype, shape]);
      expect(values(got)).toEqual(want);
    }
    expect(Object.is(values(t.get('f64')!)[1], -0)).toBe(true);
    expect(parseHeader(bytes).entries.map((e) => e.format)).toEqual([
      'U8',
      'I64',
      'U64',
      'U32',
      'I16',
      'U16',
      'I8',
      'BOOL',
      'F64',
      'I64',
    ]);
  });

  it('reads a file written by an independent Python writer (fixtures/make_dtypes.py)', async () => {
    const expected = JSON.parse(readFileSync(fixture('dtypes.json'), 'utf8')) as Record<
      string,
      { dtype: string; shape: number[]; values: (number | boolean)[] }
    >;
    const t = await loadFile(fixture('dtypes.safetensors').pathname, { context });
    expect([...t.keys()].sort()).toEqual(Object.keys(expected).sort());
    const tessera: Record<string, string> = {
      F64: 'f64',
      F32: 'f32',
      F16: 'f16',
      BF16: 'bf16',
      BOOL: 'bool',
    };
    for (const [name, e] of Object.entries(expected)) {
      const got = t.get(name)!;
      expect([name, got.dtype, got.shape]).toEqual([name, tessera[e.dtype] ?? 'i32', e.shape]);
      expect([name, values(got)]).toEqual([name, e.values.map(Number)]);
    }
  });

  it('I64, U32 and U64 values outside i32 are errors naming the tensor, the value and its index', () => {
    const one = (dtype: 'I64' | 'U32' | 'U64', shape: number[], xs: (number | bigint)[]) =>
      assemble({
        ok: { dtype: 'F32', shape: [1], data: le('F32', [1]) },
        ids: { dtype, shape, data: le(dtype, xs) },
      });
    const cases: [Uint8Array, RegExp][] = [
      [
        one('I64', [2, 3], [0, 1, 2, 3, 4, 3_000_000_000]),
        /tensor 'ids': I64 value 3000000000 at element 5 \(\[1, 2\]\) does not fit in i32/,
      ],
      [one('I64', [2], [0, -(2n ** 31n) - 1n]), /tensor 'ids': I64 value -2147483649 at element 1 \(\[1\]\)/],
      [one('I64', [1], [2n ** 63n - 1n]), /I64 value 9223372036854775807 at element 0/],
      [one('I64', [1], [2n ** 32n]), /I64 value 4294967296 at element 0/],
      [
        one('U32', [3], [5, 2 ** 31, 6]),
        /tensor 'ids': U32 value 2147483648 at element 1 \(\[1\]\) does not fit/,
      ],
      [one('U64', [1], [2n ** 32n + 1n]), /tensor 'ids': U64 value 4294967297 at element 0/],
      [one('U64', [1], [2n ** 64n - 1n]), /U64 value 18446744073709551615/],
    ];
    for (const [bytes, message] of cases) expect(() => deserialize(bytes, { context })).toThrow(message);
  });

  it('a dtype must be one of the format strings: arrays and inherited keys are rejected naming the tensor', () => {
    const withDtype = (dtype: unknown) => assemble({ w: { dtype, shape: [1], data: le('F32', [1]) } });
    expect(() => deserialize(withDtype(['F32']), { context })).toThrow(
      /tensor 'w': dtype \["F32"\] is not a safetensors dtype/,
    );
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'f32', '']) {
      expect(() => deserialize(withDtype(key), { context })).toThrow(
        `tensor 'w': dtype ${JSON.stringify(key)} is not a safetensors dtype`,
      );
    }
    expect(() => deserialize(withDtype({ F32: 1 }), { context })).toThrow(/tensor 'w': dtype \{"F32":1\}/);
    expect(() => deserialize(withDtype('F8_E4M3'), { context })).toThrow(
      /tensor 'w': dtype "F8_E4M3" has no Tessera equivalent/,
    );
  });

  it('writing keeps Tessera dtypes: an I64 file read and written again is I32 with the same values', () => {
    const bytes = assemble({ n: { dtype: 'I64', shape: [], data: le('I64', [12]) } });
    const again = parseHeader(serialize(deserialize(bytes, { context })));
    expect(again.entries.map((e) => [e.format, e.shape])).toEqual([['I32', []]]);
  });

  it('a deserialize that fails part-way disposes what it made: 1,000 failures leave no tensor alive', () => {
    const ctx = createContext();
    const five = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`w${i}`, { dtype: 'F32', shape: [2], data: le('F32', [i, i]) }]),
    );
    const badBool = assemble({ ...five, mask: { dtype: 'BOOL', shape: [2], data: le('U8', [1, 2]) } });
    const badI64 = assemble({ ...five, ids: { dtype: 'I64', shape: [1], data: le('I64', [2n ** 40n]) } });
    const before = memory(ctx);
    let failures = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        deserialize(i % 2 ? badBool : badI64, { context: ctx });
      } catch (e) {
        expect((e as Error).message).toMatch(
          i % 2 ? /tensor 'mask': BOOL bytes must be 0 or 1, got 2/ : /'ids'/,
        );
        failures++;
      }
    }
    expect(failures).toBe(1000);
    expect([memory(ctx).tensors, memory(ctx).bytes]).toEqual([before.tensors, before.bytes]);
    // the same file without the bad tensor loads: the failure really came after five tensors
    expect(deserialize(assemble(five), { context: ctx }).size).toBe(5);
  });
});
