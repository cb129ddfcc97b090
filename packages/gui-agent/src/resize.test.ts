import { describe, expect, it } from 'vitest';
import { coordinateMap, smartResize } from './index.js';

describe('smartResize', () => {
  it('rounds each side to the nearest multiple of the factor when the area fits', () => {
    // 30/8 = 3.75 → 4·8 = 32; 60/8 = 7.5 → 8 (half to even) ·8 = 64; 32·64 = 2048 within [256, 4096].
    expect(smartResize(30, 60, { factor: 8, minPixels: 256, maxPixels: 4096 })).toEqual({
      height: 32,
      width: 64,
    });
    // Halves go to the even neighbour as in Python: 42/28 = 1.5 → 2, 70/28 = 2.5 → 2.
    expect(smartResize(42, 70, { factor: 28, minPixels: 0, maxPixels: 1e6 })).toEqual({
      height: 56,
      width: 56,
    });
  });

  it('scales down and floors when the rounded area is above maxPixels', () => {
    // 1080×1920, factor 28: rounded 1092×1932 = 2 109 744 > 1 003 520, so β = √(2 073 600 / 1 003 520)
    // = 1.43747; 1080/β/28 = 26.83 → 26·28 = 728; 1920/β/28 = 47.70 → 47·28 = 1316.
    expect(smartResize(1080, 1920, { factor: 28, minPixels: 3136, maxPixels: 1003520 })).toEqual({
      height: 728,
      width: 1316,
    });
    // 100×100, factor 28: rounded 112² = 12 544 > 10 000, β = 1, 100/28 = 3.57 → 3·28 = 84.
    expect(smartResize(100, 100, { factor: 28, minPixels: 3136, maxPixels: 10000 })).toEqual({
      height: 84,
      width: 84,
    });
  });

  it('scales up and ceils when the rounded area is below minPixels', () => {
    // 20×40, factor 8: rounded 16×40 = 640 < 4096, β = √(4096/800) = 2.2627; 20β/8 = 5.66 → 6·8 = 48,
    // 40β/8 = 11.31 → 12·8 = 96.
    expect(smartResize(20, 40, { factor: 8, minPixels: 4096, maxPixels: 1e5 })).toEqual({
      height: 48,
      width: 96,
    });
  });

  it('keeps the aspect ratio within one factor and the area within the budget', () => {
    for (const [h, w] of [
      [720, 1280],
      [1000, 333],
      [64, 64],
      [513, 2047],
    ]) {
      const o = { factor: 16, minPixels: 32 * 32, maxPixels: 128 * 128 };
      const s = smartResize(h, w, o);
      expect(s.height % 16).toBe(0);
      expect(s.width % 16).toBe(0);
      expect(s.height * s.width).toBeLessThanOrEqual(o.maxPixels);
      expect(s.height * s.width).toBeGreaterThanOrEqual(o.minPixels);
      // The width the ratio asks for, given the height, is at most one factor (plus rounding) away.
      expect(Math.abs(s.width - (s.height * w) / h)).toBeLessThan(16 * (1 + w / h));
    }
  });

  it('rejects bad sizes and budgets, naming the arguments', () => {
    expect(() => smartResize(0, 10, { factor: 8, minPixels: 0, maxPixels: 100 })).toThrow(
      /smartResize: .*height 0/,
    );
    expect(() => smartResize(10, 10, { factor: 8, minPixels: 200, maxPixels: 100 })).toThrow(
      /minPixels ≤ maxPixels/,
    );
    expect(() => smartResize(1, 1000, { factor: 1, minPixels: 0, maxPixels: 1e6 })).toThrow(
      /aspect ratio above 200/,
    );
  });
});

describe('coordinateMap', () => {
  it('maps a grid cell to the page pixel at its centre and back', () => {
    // A 16×12 grid over a 640×480 page: each cell is 40×40 pixels; cell (3, 2) spans x 120–160, y 80–120.
    const map = coordinateMap({ width: 16, height: 12 }, { width: 640, height: 480 });
    expect(map.toPage({ x: 3, y: 2 })).toEqual({ x: 140, y: 100 });
    expect(map.toGrid({ x: 120, y: 80 })).toEqual({ x: 3, y: 2 });
    expect(map.toGrid({ x: 159.9, y: 119.9 })).toEqual({ x: 3, y: 2 });
    expect(map.toGrid({ x: 160, y: 120 })).toEqual({ x: 4, y: 3 });
    // Off-page pixels clamp to the border cells.
    expect(map.toGrid({ x: -5, y: 1000 })).toEqual({ x: 0, y: 11 });
    for (let x = 0; x < 16; x++)
      for (let y = 0; y < 12; y++) expect(map.toGrid(map.toPage({ x, y }))).toEqual({ x, y });
  });

  it('handles a non-integer scale (a smart-resized 56×104 screenshot of a 720×1280 page)', () => {
    const map = coordinateMap({ width: 104, height: 56 }, { width: 1280, height: 720 });
    // x: (10 + 0.5)·1280/104 = 129.23; y: (20 + 0.5)·720/56 = 263.57.
    const p = map.toPage({ x: 10, y: 20 });
    expect(p.x).toBeCloseTo(129.2308, 3);
    expect(p.y).toBeCloseTo(263.5714, 3);
    expect(() => coordinateMap({ width: 0, height: 5 }, { width: 1, height: 1 })).toThrow(
      /coordinateMap: the grid size/,
    );
  });
});
