import { inflateSync } from 'node:zlib';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import {
  encodePng,
  formatTick,
  GLYPH_HEIGHT,
  glyph,
  niceTicks,
  Raster,
  readPngSize,
  renderLineChartPng,
  renderLineChartSvg,
} from './index.js';

describe('@tessera/plot', () => {
  it('a raster with text encodes to a PNG whose scanlines hold its pixels', () => {
    const img = new Raster(20, 10, [0, 0, 0]);
    img.fillRect(2, 3, 1, 1, [255, 0, 0]);
    const png = encodePng(img.width, img.height, img.pixels);
    expect(readPngSize(png)).toEqual({ width: 20, height: 10 });
    const idatLength = new DataView(png.buffer, png.byteOffset).getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    // row 3, filter byte, then pixel 2
    const at = 3 * (20 * 3 + 1) + 1 + 2 * 3;
    expect(Array.from(raw.subarray(at, at + 3))).toEqual([255, 0, 0]);
  });

  it('line charts render to PNGs of the requested size', () => {
    const png = renderLineChartPng({
      title: 'LOSS',
      xLabel: 'STEP',
      yLabel: 'LOSS',
      series: [{ name: 'TRAIN', values: [3, 2, 1.5, 1], color: [0, 0, 200] }],
      width: 300,
      height: 200,
    });
    expect(readPngSize(png)).toEqual({ width: 300, height: 200 });
  });
});

describe('niceTicks', () => {
  it('picks 1–2–5 steps and widens the range to whole steps (hand-computed cases)', () => {
    expect(niceTicks(0, 1, 5)).toMatchObject({ lo: 0, hi: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceTicks(-3, 97, 5)).toMatchObject({ lo: -20, hi: 100, step: 20 });
    // The odd ticks the apps used to print (7.59 … 30.3): range 22.71 / 5 = 4.54 → step 5.
    expect(niceTicks(7.59, 30.3, 5).values).toEqual([5, 10, 15, 20, 25, 30, 35]);
    // A flat series gets ±1 around it: range 2 / 5 = 0.4 → step 0.5.
    expect(niceTicks(2, 2, 5).values).toEqual([1, 1.5, 2, 2.5, 3]);
  });

  it('gives round ticks that cover the data for random ranges', () => {
    const rng = new Rng(12345);
    const uniform = () => rng.next();
    for (let trial = 0; trial < 500; trial++) {
      const scale = 10 ** Math.floor(uniform() * 10 - 5);
      const a = (uniform() - 0.5) * 100 * scale;
      const b = a + uniform() * 100 * scale;
      const t = niceTicks(a, b, 5);
      const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
      expect(t.lo).toBeLessThanOrEqual(a + 1e-9 * scale);
      expect(t.hi).toBeGreaterThanOrEqual(b - 1e-9 * scale);
      expect(t.values.length).toBeGreaterThanOrEqual(2);
      expect(t.values.length).toBeLessThanOrEqual(12);
      for (const v of t.values) expect(Math.abs(v / t.step - Math.round(v / t.step))).toBeLessThan(1e-6);
    }
  });

  it('labels ticks with the decimals of the step', () => {
    expect(niceTicks(0, 1, 5).values.map((v) => formatTick(v, 1))).toEqual([
      '0',
      '0.2',
      '0.4',
      '0.6',
      '0.8',
      '1.0',
    ]);
    expect(formatTick(2_500_000, 0)).toBe('2.5e6');
  });
});

describe('bitmap font', () => {
  it('draws lower case distinct from upper case, with descenders below the baseline', () => {
    expect(glyph('a')).not.toEqual(glyph('A'));
    expect(glyph('g')).toHaveLength(GLYPH_HEIGHT);
    expect(glyph('g')[GLYPH_HEIGHT - 1]).toMatch(/#/); // a descender
    expect(glyph('A')[GLYPH_HEIGHT - 1]).toBe('.....'); // capitals stop at the baseline
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') expect(glyph(ch)).not.toEqual(glyph('\u0001'));
  });
});

describe('renderLineChartSvg', () => {
  it('writes real text, round ticks and one polyline per series', () => {
    const svg = renderLineChartSvg({
      title: 'loss <train>',
      xLabel: 'step',
      yLabel: 'loss',
      series: [
        { name: 'train', values: [3, 2, 1.5, 1], color: [0, 0, 200] },
        { name: 'val', values: [3.2, 2.4, 2, 1.9], color: [200, 0, 0] },
      ],
    });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('loss &#60;train&#62;');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    const yLabels = [...svg.matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(yLabels).toEqual(['1.0', '1.5', '2.0', '2.5', '3.0', '3.5']);
  });
});
