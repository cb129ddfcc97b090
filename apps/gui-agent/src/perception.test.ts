import { describe, expect, it } from 'vitest';
import { COLOUR_CLASSES, colourTargets, hexRgb, hsv, pixelColour } from './perception.js';
import { COLORS, CSS } from './tasks.js';

const NONE = COLORS.length;

describe('perception targets', () => {
  it('hsv at hand-computed points', () => {
    expect(hsv(255, 0, 0)).toEqual({ h: 0, s: 1, v: 1 });
    expect(hsv(0, 255, 0).h).toBe(120);
    expect(hsv(0, 0, 255).h).toBe(240);
    // #f08020: max r = 240, c = 208, h = 60·(128 − 32)/208
    expect(hsv(0xf0, 0x80, 0x20).h).toBeCloseTo((60 * 96) / 208, 12);
    expect(hsv(128, 128, 128)).toEqual({ h: 0, s: 0, v: 128 / 255 });
  });

  it('names each task colour, its blends with the white page and the dark overlay, and nothing grey', () => {
    COLORS.forEach((c, i) => {
      const [r, g, b] = hexRgb(CSS[c]);
      expect(pixelColour(r, g, b)).toBe(i);
      // two thirds colour, one third white: a border the 3×3 average smeared
      const mix = (x: number) => Math.round((2 * x + 255) / 3);
      expect(pixelColour(mix(r), mix(g), mix(b))).toBe(i);
      // under the dialog's rgba(0, 0, 0, .55) overlay
      const dark = (x: number) => Math.round(0.45 * x);
      expect(pixelColour(dark(r), dark(g), dark(b))).toBe(i);
    });
    for (const grey of [0, 0x22, 0x66, 0x99, 0xf2, 255]) expect(pixelColour(grey, grey, grey)).toBe(NONE);
    // one third colour: too pale to count
    expect(pixelColour(0xf5, 0xb5, 0xb5)).toBe(NONE);
  });

  it('gives each cell the fraction of its pixels of each colour, then of none', () => {
    // 16×8 white, two 8×8 cells: the left one's top half red, the right one's first column blue.
    const rgb = new Uint8Array(16 * 8 * 3).fill(255);
    const paint = (x: number, y: number, hex: string) => rgb.set(hexRgb(hex), (y * 16 + x) * 3);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) paint(x, y, CSS.red);
    for (let y = 0; y < 8; y++) paint(8, y, CSS.blue);
    const t = colourTargets({ width: 16, height: 8, rgb }, 8);
    expect(t).toHaveLength(2 * COLOUR_CLASSES);
    const left = Array.from(t.slice(0, COLOUR_CLASSES));
    const right = Array.from(t.slice(COLOUR_CLASSES));
    expect(left[COLORS.indexOf('red')]).toBeCloseTo(0.5, 6);
    expect(left[NONE]).toBeCloseTo(0.5, 6);
    expect(right[COLORS.indexOf('blue')]).toBeCloseTo(1 / 8, 6);
    expect(right[NONE]).toBeCloseTo(7 / 8, 6);
    for (const cell of [left, right]) expect(cell.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(() => colourTargets({ width: 12, height: 8, rgb: new Uint8Array(12 * 8 * 3) }, 8)).toThrow(
      /12×8 screenshot is not a grid of 8-pixel cells/,
    );
  });
});
