import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type Tensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { loadFile, saveFile } from './node.js';
import { deserialize, readMetadata, serialize } from './safetensors.js';
import { assembleRaw } from './testing.js';

const context = createContext();

/** Raw storage bits of a tensor as bytes, read through an independent path (typed-array views). */
function rawBytes(t: Tensor): number[] {
  const s = t.storageFor('test');
  const a = s.backend.readSync!(s.buffer, s.dtype, s.size);
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function sample(): Map<string, Tensor> {
  const f32 = new Float32Array(
    new Uint32Array([0x7fc00001, 0xffa00000, 0x80000000, 0x3f800000, 0x7f800000, 0x00000001]).buffer,
  );
  const f64 = new Float64Array(
    new BigUint64Array([0x7ff8000000000abcn, 0x8000000000000000n, 0x4009_21fb_5444_2d18n]).buffer,
  );
  return new Map<string, Tensor>([
    ['w.f32', tensor(f32, [2, 3], { context })],
    ['w.f64', tensor(f64, [3], { context })],
    ['h.f16', tensor(new Uint16Array([0x7e01, 0x8000, 0x3c00, 0xfc00]), [2, 2], { dtype: 'f16', context })],
    ['h.bf16', tensor(new Uint16Array([0x7fc1, 0x8000, 0x3f80]), { dtype: 'bf16', context })],
    ['ids', tensor(new Int32Array([-2147483648, -1, 0, 7]), { context })],
    ['mask', tensor([true, false, true], { context })],
    ['empty', tensor(new Float32Array(0), [0, 4], { context })],
  ]);
}

/** A minimal independent reader written from the format description. */
function independentRead(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const headerText = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  const header = JSON.parse(headerText) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const data = bytes.subarray(8 + n);
  return { n, headerText, header, data };
}

describe('safetensors', () => {
  it('round-trips every dtype bit-exactly, NaN payloads and −0 included', () => {
    const tensors = sample();
    const back = deserialize(serialize(tensors, { format: 'pt', note: 'héllo' }), { context });
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const u = back.get(name)!;
      expect([u.dtype, u.shape]).toEqual([t.dtype, t.shape]);
      expect(rawBytes(u)).toEqual(rawBytes(t));
    }
  });

  it('reads from a Node Buffer (what readFileSync returns), whose slice() is a view, not a copy', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], { context });
    const b = tensor([7, 8], { context });
    const back = deserialize(
      Buffer.from(
        serialize(
          new Map([
            ['a', a],
            ['b', b],
          ]),
        ),
      ),
      { context },
    );
    expect(Array.from(back.get('a')!.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back.get('b')!.dataSync())).toEqual([7, 8]);
  });

  it('writes what an independent reader of the spec expects', () => {
    const tensors = sample();
    const bytes = serialize(tensors, { format: 'pt' });
    const { n, headerText, header, data } = independentRead(bytes);
    expect(n % 8).toBe(0);
    expect(headerText.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header['w.f32']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.mask.dtype).toBe('BOOL');
    expect(header['h.bf16'].dtype).toBe('BF16');
    for (const [name, t] of tensors) {
      const [b, e] = header[name].data_offsets;
      expect(Array.from(data.subarray(b, e))).toEqual(rawBytes(t));
    }
    // values through a plain DataView: the f32 1.0 at element 3, the i32 −1
    expect(new DataView(data.buffer, data.byteOffset + 12).getFloat32(0, true)).toBe(1);
    const [ib] = header.ids.data_offsets;
    expect(new DataView(data.buffer, data.byteOffset + ib + 4).getInt32(0, true)).toBe(-1);
    expect(readMetadata(bytes)).toEqual({ format: 'pt' });
  });

  it('strided views are written row-major', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3], { context }).transpose();
    const back = deserialize(serialize({ t }), { context }).get('t')!;
    expect(back.arraySync()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  const file = assembleRaw;
  const entry = (dtype: string, shape: number[], offs: number[]) => ({ dtype, shape, data_offsets: offs });

  const malformed: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /file is 5 bytes, shorter than the 8-byte header length/],
    [
      'header length past the end',
      (() => {
        const b = file({}, 0);
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /header length 1000 runs past the end of the 10-byte file/,
    ],
    ['bad JSON', file(null, 0, '{"a": '), /header is not valid JSON/],
    [
      'unknown dtype',
      file({ a: entry('U128', [2], [0, 2]) }, 2),
      /tensor 'a': dtype "U128" is not a safetensors dtype \(readable: F32, F16, BF16, F64, I32, BOOL, I64/,
    ],
    [
      'offsets out of range',
      file({ a: entry('F32', [2], [0, 8]) }, 4),
      /tensor 'a': data_offsets \[0, 8\] out of range of the 4-byte data section/,
    ],
    [
      'size mismatch',
      file({ a: entry('F32', [3], [0, 8]) }, 8),
      /tensor 'a': F32 \[3\] needs 12 bytes, but data_offsets \[0, 8\] span 8/,
    ],
    [
      'overlap',
      file({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, 8),
      /tensor 'b': data_offsets \[4, 8\] overlap the previous tensor/,
    ],
    [
      'gap',
      file({ a: entry('F32', [1], [4, 8]) }, 8),
      /tensor 'a': data_offsets start at 4, leaving bytes 0–4 uncovered/,
    ],
    [
      'not covering',
      file({ a: entry('F32', [1], [0, 4]) }, 8),
      /tensors cover 4 bytes of the 8-byte data section/,
    ],
    [
      'bad shape',
      file({ a: entry('F32', [-1], [0, 4]) }, 4),
      /tensor 'a': shape must be an array of non-negative integers/,
    ],
    ['bad metadata', file({ __metadata__: { a: 1 } }, 0), /__metadata__ 'a' must be a string/],
    [
      // JSON.parse accepts it; JSON.stringify (for the message) would overflow the stack
      'shape nested 200,000 deep',
      file(
        null,
        0,
        `{"a":{"dtype":"F32","shape":${'['.repeat(200_000)}${']'.repeat(200_000)},"data_offsets":[0,0]}}`,
      ),
      /tensor 'a': shape must be an array of non-negative integers, got an array nested too deeply to print/,
    ],
    [
      'more elements than a file can hold',
      file({ a: entry('F32', [...new Array(22).fill(2 ** 53 - 1), 7], [0, 4]) }, 4),
      /tensor 'a': shape \[9007199254740991,.*\.\.\. has Infinity elements, more than any file can hold/,
    ],
    [
      'more elements than a file can hold, then a zero: an empty tensor, needing 0 bytes',
      file({ a: entry('F32', [...new Array(22).fill(2 ** 53 - 1), 0], [0, 4]) }, 4),
      /F32 \[9007199254740991, 9007199254740991, 9007199254740991, 90\.\.\. needs 0 bytes, but data_offsets \[0, 4\] span 4/,
    ],
    [
      'long values are cut in the message',
      file({ a: entry('F32', new Array(1000).fill(-1), [0, 4]) }, 4),
      new RegExp(`got \\[${'-1,'.repeat(18)}-1\\.\\.\\.$`),
    ],
  ];
  for (const [name, bytes, message] of malformed) {
    it(`rejects a malformed file: ${name}`, () => {
      expect(() => deserialize(bytes, { context })).toThrow(message);
    });
  }

  it('saveFile writes atomically and loadFile reads it back; a failed save leaves the old file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-st-'));
    const path = join(dir, 'model.safetensors');
    await saveFile(path, { a: tensor([1, 2, 3], { context }) }, { step: '1' });
    const first = readFileSync(path);
    expect(readMetadata(new Uint8Array(first))).toEqual({ step: '1' });
    const gone = tensor([4], { context });
    gone.dispose();
    await expect(saveFile(path, { a: tensor([9], { context }), b: gone })).rejects.toThrow(/disposed/);
    expect(readFileSync(path).equals(first)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const loaded = await loadFile(path, { context });
    expect(Array.from(loaded.get('a')!.dataSync())).toEqual([1, 2, 3]);
    writeFileSync(path, 'garbage!');
    await expect(loadFile(path, { context })).rejects.toThrow(
      new RegExp(`loadFile: '${path}': safetensors: header length`),
    );
  });
});
