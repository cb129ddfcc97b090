import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { binarize, binarizeStochastic, mnistFromClassArrays, mnistOrder, splitValidation } from './mnist.js';
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

  it('stochastic binarization turns a pixel on with its intensity as probability, fixed by the seed', () => {
    // 40,000 pixels at each of the intensities 0, 0.3, 0.8 and 1: the ones' frequency is the intensity within
    // 5 standard errors (√(p(1 − p)/40,000) ≤ 0.0025); 0 and 1 are deterministic.
    const n = 40_000;
    const levels = [0, 0.3, 0.8, 1];
    const px = new Float32Array(levels.length * n);
    levels.forEach((p, k) => {
      px.fill(p, k * n, (k + 1) * n);
    });
    const images = tensor(px, [levels.length * n], { context });
    const a = binarizeStochastic(images, 7).dataSync();
    levels.forEach((p, k) => {
      let ones = 0;
      for (let i = k * n; i < (k + 1) * n; i++) ones += a[i];
      expect(Math.abs(ones / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n) + 1e-12);
    });
    expect(binarizeStochastic(images, 7).dataSync()).toEqual(a);
    expect(binarizeStochastic(images, 8).dataSync()).not.toEqual(a);
    expect(() => binarizeStochastic(tensor([0.5, 1.5], { context }), 0)).toThrow(/pixel 1 is 1.5/);
  });

  it('splitValidation keeps the first digits for training and the last ones for validation', () => {
    const images = tensor(
      Float32Array.from({ length: 5 * 784 }, (_, i) => Math.floor(i / 784) / 10),
      [5, 1, 28, 28],
      {
        context,
      },
    );
    const labels = tensor([0, 1, 2, 3, 4], { dtype: 'i32', context });
    const { train, validation } = splitValidation({ images, labels }, 2);
    expect(train.images.shape).toEqual([3, 1, 28, 28]);
    expect(Array.from(validation.labels.dataSync())).toEqual([3, 4]);
    expect(validation.images.reshape([2, 784]).slice(1, 0, 1).dataSync()[1]).toBeCloseTo(0.4, 6);
    expect(() => splitValidation({ images, labels }, 5)).toThrow(
      /validationSize must be an integer in \[1, 4\]/,
    );
  });
});
