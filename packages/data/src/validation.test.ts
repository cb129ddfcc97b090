import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from './char-tokenizer.js';
import { defaultCollate } from './collate.js';
import { DataLoader } from './data-loader.js';
import { mnistFromClassArrays } from './mnist.js';
import { loadMnist } from './mnist-node.js';

const context = createContext();
const PIXELS = 784;

/** Ten classes of `digits` digits each, pixel values (c + 1)/20 — valid data to corrupt. */
const classes = (digits = 2): number[][] =>
  Array.from({ length: 10 }, (_, c) => new Array(digits * PIXELS).fill((c + 1) / 20));

describe('mnistFromClassArrays rejects corrupt data, naming the class and the index', () => {
  const corrupt = (value: unknown, at = PIXELS + 216, c = 3) => {
    const per = classes() as unknown[][];
    per[c][at] = value;
    return () => mnistFromClassArrays(per as number[][], { context, testSize: 4 });
  };
  it('non-numbers, NaN and values outside [0, 1] are errors, not NaN pixels or clamped values', () => {
    expect(corrupt('0.5')).toThrow('mnist: class 3: value 1000 (digit 1, pixel 216) is "0.5", not a number');
    expect(corrupt(null)).toThrow('class 3: value 1000 (digit 1, pixel 216) is null, not a number');
    expect(corrupt(undefined)).toThrow('is undefined, not a number');
    expect(corrupt(Number.NaN)).toThrow('class 3: value 1000 (digit 1, pixel 216) is NaN, outside [0, 1]');
    expect(corrupt(255, 5, 0)).toThrow(
      'class 0: value 5 (digit 0, pixel 5) is 255, outside [0, 1] (on a 0–255 scale? divide by 255 first)',
    );
    expect(corrupt(-0.01, 1567, 9)).toThrow(
      'class 9: value 1567 (digit 1, pixel 783) is -0.01, outside [0, 1]',
    );
    expect(corrupt(1.0000001)).toThrow('is 1.0000001, outside [0, 1]');
  });

  it('an empty class, a partial digit, a wrong class count or a bad testSize are errors', () => {
    const per = classes();
    per[9] = [];
    expect(() => mnistFromClassArrays(per, { context, testSize: 2 })).toThrow(
      'mnist: class 9: the class has no digits; every class needs at least one',
    );
    per[9] = new Array(PIXELS + 1).fill(0);
    expect(() => mnistFromClassArrays(per, { context, testSize: 2 })).toThrow(
      'class 9: 785 values are not a whole number of 784-pixel digits',
    );
    expect(() => mnistFromClassArrays(classes().slice(1), { context })).toThrow(
      'expected 10 class arrays, got 9',
    );
    expect(() => mnistFromClassArrays(classes(), { context, testSize: 2.5 })).toThrow(
      'testSize must be an integer in [0, 20], got 2.5',
    );
  });

  it('keeps valid values exactly, the edges 0 and 1 included', () => {
    const per = classes(1);
    per[2][0] = 0;
    per[2][1] = 1;
    const { train } = mnistFromClassArrays(per, { context, testSize: 0 });
    const labels = Array.from(train.labels.dataSync());
    const px = train.images.dataSync();
    const row = labels.indexOf(2);
    expect([px[row * PIXELS], px[row * PIXELS + 1], px[row * PIXELS + 2]]).toEqual([
      0,
      1,
      Math.fround(3 / 20),
    ]);
    expect([...labels].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('loadMnist validates each file, naming it', () => {
  /** A folder with the ten `<c>.json` files of `classes(1)`, then `edit` applied. */
  function folder(edit: (files: string[]) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-mnist-'));
    const files = classes(1).map((data) => JSON.stringify({ data }));
    edit(files);
    files.forEach((text, c) => {
      if (text !== '') writeFileSync(join(dir, `${c}.json`), text);
    });
    return dir;
  }
  const load = (directory: string) => loadMnist({ context, directory, testSize: 2 });

  it('reads a valid folder', async () => {
    const { train, test } = await load(folder(() => {}));
    expect([train.images.shape, test.labels.shape]).toEqual([[8, 1, 28, 28], [2]]);
  });

  it('a truncated or corrupt JSON file is an error naming the file', async () => {
    const dir = folder((f) => {
      f[4] = f[4].slice(0, 1000);
    });
    await expect(load(dir)).rejects.toThrow(
      new RegExp(
        `^loadMnist: ${join(dir, '4.json')} is not valid JSON \\(.*\\); the file may be truncated or corrupt`,
      ),
    );
    const garbage = folder((f) => {
      f[6] = '\u0000\u0001binary';
    });
    await expect(load(garbage)).rejects.toThrow(`loadMnist: ${join(garbage, '6.json')} is not valid JSON`);
  });

  it('bad values, a missing data array, an empty class or a missing file name the file and the index', async () => {
    const strings = folder((f) => {
      f[7] = f[7].replace(/^\{"data":\[0.4,0.4,0.4,0.4,0.4,0.4/, '{"data":[0.4,0.4,0.4,0.4,0.4,"x"');
    });
    await expect(load(strings)).rejects.toThrow(
      `mnist: ${join(strings, '7.json')}: value 5 (digit 0, pixel 5) is "x", not a number`,
    );
    const scale255 = folder((f) => {
      f[1] = JSON.stringify({ data: new Array(PIXELS).fill(0).map((_, i) => i % 256) });
    });
    await expect(load(scale255)).rejects.toThrow(
      `${join(scale255, '1.json')}: value 2 (digit 0, pixel 2) is 2, outside [0, 1] (on a 0–255 scale? divide by 255 first)`,
    );
    const nulls = folder((f) => {
      f[0] = JSON.stringify({ data: [...new Array(PIXELS - 1).fill(0), null] });
    });
    await expect(load(nulls)).rejects.toThrow(
      `${join(nulls, '0.json')}: value 783 (digit 0, pixel 783) is null`,
    );
    const noData = folder((f) => {
      f[2] = '{"pixels": []}';
    });
    await expect(load(noData)).rejects.toThrow(
      `loadMnist: ${join(noData, '2.json')}: expected an object { data: number[] }`,
    );
    const empty = folder((f) => {
      f[9] = '{"data": []}';
    });
    await expect(load(empty)).rejects.toThrow(`${join(empty, '9.json')}: the class has no digits`);
    const missing = folder(() => {});
    rmSync(join(missing, '3.json'));
    await expect(load(missing)).rejects.toThrow(join(missing, '3.json'));
  });
});

describe('other loaders validate their input', () => {
  it('defaultCollate: every sample has the first one’s structure, errors name the sample and field', () => {
    expect(() => defaultCollate([1, 'a'], context)).toThrow(
      'defaultCollate: sample 1 is a string, but sample 0 is a number',
    );
    expect(() => defaultCollate([1, null], context)).toThrow('sample 1 is null, but sample 0 is a number');
    expect(() => defaultCollate([[1, 2], [3]], context)).toThrow(
      'sample 1 is an array of length 1, but sample 0 is an array of length 2',
    );
    expect(() =>
      defaultCollate(
        [
          { x: [1, 2], y: 0 },
          { x: [3, 4], y: 1 },
          { x: [5, '6'], y: 2 },
        ],
        context,
      ),
    ).toThrow('sample 2.x[1] is a string, but sample 0.x[1] is a number');
    expect(() => defaultCollate([{ x: 1 }, { x: 1, y: 2 }], context)).toThrow(
      'sample 1 is an object with keys [x, y], but sample 0 is an object with keys [x]',
    );
  });

  it('a DataLoader names the dataset index of a bad sample', () => {
    const samples: unknown[] = [0, 1, 2, 3, 'four', 5];
    const loader = new DataLoader({ length: 6, get: (i: number) => samples[i] }, { batchSize: 3, context });
    expect(() => [...loader]).toThrow('defaultCollate: sample 4 is a string, but sample 3 is a number');
  });

  it('CharTokenizer.fromJSON checks the vocabulary, naming the entry', () => {
    expect(() => CharTokenizer.fromJSON({ vocab: 'abc' } as never)).toThrow(
      'CharTokenizer.fromJSON: expected an object { vocab: string[] }, got {"vocab":"abc"}',
    );
    expect(() => CharTokenizer.fromJSON(null as never)).toThrow(
      'expected an object { vocab: string[] }, got null',
    );
    expect(() => CharTokenizer.fromJSON({ vocab: ['a', 7] } as never)).toThrow(
      'CharTokenizer.fromJSON: vocab entry 1 is 7, not a string',
    );
    expect(() => CharTokenizer.fromJSON({ vocab: ['a', 'bc'] })).toThrow(
      'vocabulary entry 1, "bc", is not one character',
    );
    expect(() => CharTokenizer.fromJSON({ vocab: ['a', 'b', 'a'] })).toThrow(
      'character "a" appears twice in the vocabulary (entries 0 and 2)',
    );
  });
});
