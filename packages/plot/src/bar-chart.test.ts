import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readPngSize, renderStackedBarsPng } from './index.js';

/** Decodes our own PNGs (one IDAT, filter 0 per row) to RGB rows. */
function pixels(png: Uint8Array): { width: number; at: (x: number, y: number) => string } {
  const { width } = readPngSize(png);
  const view = new DataView(png.buffer, png.byteOffset);
  const length = view.getUint32(33);
  const raw = inflateSync(png.subarray(41, 41 + length));
  return {
    width,
    at: (x, y) => {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      return `${raw[i]},${raw[i + 1]},${raw[i + 2]}`;
    },
  };
}

describe('stacked bars', () => {
  const red = [200, 0, 0] as const;
  const blue = [0, 0, 200] as const;
  it('stacks each bar’s parts with heights proportional to their values', () => {
    const png = renderStackedBarsPng({
      title: 'memory',
      yLabel: 'GB',
      parts: [
        { name: 'weights', color: [...red] },
        { name: 'activations', color: [...blue] },
      ],
      bars: [
        { label: 'a', values: [3, 1] },
        { label: 'b', values: [0, 2] },
      ],
      width: 400,
      height: 300,
    });
    const img = pixels(png);
    const count = (x: number, color: string) => {
      let n = 0;
      for (let y = 0; y < 300; y++) if (img.at(x, y) === color) n++;
      return n;
    };
    // Bars are centred in two equal slots between x = 80 and x = 380.
    const xa = 80 + 75;
    const xb = 80 + 225;
    const ra = count(xa, red.join(','));
    const ba = count(xa, blue.join(','));
    const bb = count(xb, blue.join(','));
    expect(ra).toBeGreaterThan(20);
    expect(Math.abs(ra - 3 * ba)).toBeLessThanOrEqual(3);
    expect(Math.abs(bb - 2 * ba)).toBeLessThanOrEqual(2);
    expect(count(xb, red.join(','))).toBe(0);
  });
  it('names a bar whose values do not match the parts, or are negative', () => {
    const parts = [{ name: 'x', color: [0, 0, 0] as [number, number, number] }];
    expect(() =>
      renderStackedBarsPng({ title: '', yLabel: '', parts, bars: [{ label: 'q', values: [1, 2] }] }),
    ).toThrow(/bar 'q' has 2 values for 1 parts/);
    expect(() =>
      renderStackedBarsPng({ title: '', yLabel: '', parts, bars: [{ label: 'q', values: [-1] }] }),
    ).toThrow(/bar 'q' has value -1/);
  });
});
