import { createContext } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { binarize, mnistFromClassArrays, mnistOrder } from './mnist.js';
import { loadMnist } from './mnist-node.js';

const context = createContext();

describe('MNIST', () => {
  it('the canonical order interleaves classes by relative position', () => {
    expect(mnistOrder([2, 1, 4])).toEqual([
      [2, 0],
      [0, 0],
      [2, 1],
      [1, 0],
      [2, 2],
      [0, 1],
      [2, 3],
    ]);
  });

  it('splits per-class arrays into [N, 1, 28, 28] f32 images and i32 labels', () => {
    const perClass = Array.from({ length: 10 }, (_, c) => new Float32Array(784 * (c + 1)).fill(c / 10));
    const { train, test } = mnistFromClassArrays(perClass, { context, testSize: 5 });
    expect(train.images.shape).toEqual([50, 1, 28, 28]);
    expect(test.images.shape).toEqual([5, 1, 28, 28]);
    expect(test.labels.dtype).toBe('i32');
    const labels = Array.from(test.labels.dataSync());
    const firstPixel = Array.from(test.images.reshape([5, 784]).slice(1, 0, 1).dataSync());
    expect(firstPixel).toEqual(labels.map((c) => expect.closeTo(c / 10, 6)));
  });

  it('loads all 10,000 digits of the mnist package: 8,000 train, 2,000 test, every class in both', async () => {
    const { train, test } = await loadMnist({ context });
    expect(train.images.shape).toEqual([8000, 1, 28, 28]);
    expect(test.images.shape).toEqual([2000, 1, 28, 28]);
    expect(train.images.dtype).toBe('f32');
    const px = test.images.dataSync();
    expect(Math.min(...px.subarray(0, 50_000))).toBe(0);
    expect(test.images.max().itemSync()).toBe(1);
    const counts = new Array(10).fill(0);
    for (const y of test.labels.dataSync()) counts[y]++;
    // The package's class sizes (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978) × 20%, ±1.
    const sizes = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    for (let c = 0; c < 10; c++) expect(Math.abs(counts[c] - sizes[c] / 5)).toBeLessThanOrEqual(1);
    const bin = binarize(test.images.slice(0, 0, 2), 0.5);
    expect(new Set(bin.dataSync())).toEqual(new Set([0, 1]));
  });
});
