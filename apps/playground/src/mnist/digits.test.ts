import { describe, expect, it } from 'vitest';
import { decodeDigits, encodeDigits } from './digits-asset.js';
import { toMnistPixels } from './preprocess.js';

describe('the digits file', () => {
  it('round-trips per-class images to within one quantization step, keeping at most perClass', () => {
    const classes = Array.from({ length: 10 }, (_, c) =>
      Array.from({ length: (c + 1) * 784 }, (_, i) => ((i * 7 + c) % 1000) / 999),
    );
    const back = decodeDigits(encodeDigits(classes, 4));
    expect(back.map((a) => a.length / 784)).toEqual([1, 2, 3, 4, 4, 4, 4, 4, 4, 4]);
    back.forEach((a, c) => {
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - classes[c][i])).toBeLessThanOrEqual(1 / 510);
    });
  });

  it('rejects bytes that are not a digits file, or whose counts do not match their length', () => {
    expect(() => decodeDigits(new Uint8Array(100))).toThrow(/not an MNIST subset file/);
    const bytes = encodeDigits(
      Array.from({ length: 10 }, () => new Array(784).fill(0.5)),
      1,
    );
    expect(() => decodeDigits(bytes.subarray(0, bytes.length - 1))).toThrow(/need 7884 bytes/);
  });
});

describe('toMnistPixels', () => {
  it('scales the ink’s box to 20 pixels and puts its centre of mass at (14, 14)', () => {
    // A filled 100 × 50 block off centre on a 280 × 280 canvas: it becomes 20 × 10 pixels.
    const ink = new Float32Array(280 * 280);
    for (let y = 30; y < 130; y++) for (let x = 150; x < 200; x++) ink[y * 280 + x] = 1;
    const px = toMnistPixels(ink, 280, 280)!;
    let mass = 0;
    let mx = 0;
    let my = 0;
    let rows = 0;
    let cols = 0;
    for (let y = 0; y < 28; y++) {
      if (px.slice(y * 28, y * 28 + 28).some((v) => v > 0.5)) rows++;
      for (let x = 0; x < 28; x++) {
        mass += px[y * 28 + x];
        mx += px[y * 28 + x] * (x + 0.5);
        my += px[y * 28 + x] * (y + 0.5);
      }
    }
    for (let x = 0; x < 28; x++)
      if (Array.from({ length: 28 }, (_, y) => px[y * 28 + x]).some((v) => v > 0.5)) cols++;
    expect(mass).toBeCloseTo(200, 0);
    expect(rows).toBe(20);
    expect(cols).toBe(10);
    expect(Math.abs(mx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(my / mass - 14)).toBeLessThanOrEqual(0.5);
  });

  it('returns undefined for an empty canvas', () => {
    expect(toMnistPixels(new Float32Array(280 * 280), 280, 280)).toBeUndefined();
  });
});
