import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { randomAffine } from './augment.js';

describe('randomAffine', () => {
  const context = createContext();
  const pixels = Float32Array.from({ length: 2 * 28 * 28 }, (_, i) => ((i * 37) % 101) / 100);
  const images = tensor(pixels, [2, 1, 28, 28], { context });

  it('is the identity for a zero range', () => {
    const out = randomAffine(images, { degrees: 0, scale: 0, shift: 0 }, 1, 1);
    expect(Array.from(out.dataSync())).toEqual(Array.from(pixels).map((v) => expect.closeTo(v, 6)));
  });

  it('is reproducible for a (seed, stream) and differs across streams', () => {
    const range = { degrees: 10, scale: 0.1, shift: 2 };
    const a = Array.from(randomAffine(images, range, 3, 7).dataSync());
    expect(Array.from(randomAffine(images, range, 3, 7).dataSync())).toEqual(a);
    expect(Array.from(randomAffine(images, range, 3, 8).dataSync())).not.toEqual(a);
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
