import { createContext, type Tensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { defaultCollate } from './collate.js';
import { DataLoader } from './data-loader.js';
import { type Dataset, TensorDataset } from './dataset.js';
import { permutation } from './permutation.js';

const context = createContext();

describe('DataLoader', () => {
  const xs = tensor(
    Array.from({ length: 10 }, (_, i) => [i, 10 * i]),
    { context },
  );
  const ys = tensor(
    Array.from({ length: 10 }, (_, i) => i % 3),
    { dtype: 'i32', context },
  );
  const ds = new TensorDataset(xs, ys);

  it('batches in order, with a smaller last batch unless dropLast', () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    const batches = [...loader].map(([x, y]) => [x.shape, Array.from(y.dataSync())]);
    expect(batches).toEqual([
      [
        [4, 2],
        [0, 1, 2, 0],
      ],
      [
        [4, 2],
        [1, 2, 0, 1],
      ],
      [
        [2, 2],
        [2, 0],
      ],
    ]);
    expect(loader.length).toBe(3);
    const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect([...dropping].length).toBe(2);
    expect(dropping.length).toBe(2);
  });

  it('shuffles reproducibly per (seed, epoch), visiting every sample once per pass', () => {
    const firstCol = (l: Iterable<Tensor[]>) =>
      [...l].flatMap(([x]) => Array.from(x.dataSync()).filter((_, i) => i % 2 === 0));
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    const a0 = firstCol(a);
    const a1 = firstCol(a);
    expect(a0).toEqual(firstCol(b));
    expect(a1).toEqual(firstCol(b));
    expect(a0).not.toEqual(a1);
    expect([...a0].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a0).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('collates plain samples with defaultCollate or a custom collate', () => {
    const pairs: Dataset<{ x: number[]; y: number }> = {
      length: 5,
      get: (i) => ({ x: [i, i + 0.5], y: i }),
    };
    const [batch] = new DataLoader(pairs, { batchSize: 5, context });
    expect(batch.y.dtype).toBe('i32');
    expect(Array.from(batch.y.dataSync())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(batch.x[1].dataSync())).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    const sums = [...new DataLoader(pairs, { batchSize: 2, collate: (s) => s.reduce((t, p) => t + p.y, 0) })];
    expect(sums).toEqual([1, 5, 4]);
    expect(defaultCollate([tensor([1, 2], { context }), tensor([3, 4], { context })]).shape).toEqual([2, 2]);
  });

  it('rejects a bad batch size and mismatched tensors', () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(
      /DataLoader: batchSize must be a positive integer/,
    );
    expect(() => new TensorDataset(xs, tensor([1, 2], { context }))).toThrow(
      /TensorDataset: every tensor needs the same first dimension: got \[10, 2\], \[2\]/,
    );
  });

  it('permutation is a bijection and depends on seed and stream', () => {
    const p = permutation(1000, 1);
    expect(new Set(p).size).toBe(1000);
    expect(permutation(1000, 1)).toEqual(p);
    expect(permutation(1000, 2)).not.toEqual(p);
    expect(permutation(1000, 1, 1)).not.toEqual(p);
  });
});
