import type { Screenshot } from './env.js';
import { COLORS, CSS } from './tasks.js';

/**
 * Dense perception targets read off the screenshot itself (no DOM): for each image token, how much
 * of its cell×cell square is each of the task colours. UI-TARS trains perception (element
 * descriptions, dense captions) beside its actions; here the policy's image tokens predict this
 * colour mix as an auxiliary loss, so every token of every screenshot teaches colour, where the
 * action text teaches it through one pointed-at token per step.
 *
 * A pixel counts as a colour when its hue is within `HUE_TOLERANCE` degrees of that colour's and it
 * is saturated and bright enough: hue survives the 3×3 averaging of an edge with the white or grey
 * page (and the dialog's dark overlay), so a 3-pixel coloured border that the shrink smears over
 * two screenshot pixels still counts.
 */
export const COLOUR_CLASSES = COLORS.length + 1;
const HUE_TOLERANCE = 12;
const MIN_SATURATION = 0.3;
const MIN_VALUE = 0.2;

/** Hue in degrees [0, 360), saturation and value in [0, 1] of an RGB byte triple. */
export function hsv(r: number, g: number, b: number): { h: number; s: number; v: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const c = max - min;
  let h = 0;
  if (c > 0) {
    if (max === r) h = 60 * (((g - b) / c + 6) % 6);
    else if (max === g) h = 60 * ((b - r) / c + 2);
    else h = 60 * ((r - g) / c + 4);
  }
  return { h, s: max === 0 ? 0 : c / max, v: max / 255 };
}

/** The RGB bytes of a `#rrggbb` colour. */
export const hexRgb = (hex: string): [number, number, number] => [
  Number.parseInt(hex.slice(1, 3), 16),
  Number.parseInt(hex.slice(3, 5), 16),
  Number.parseInt(hex.slice(5, 7), 16),
];
const HUES = COLORS.map((c) => hsv(...hexRgb(CSS[c])).h);

/** The task colour (index into `COLORS`) a pixel shows, or `COLORS.length` for none. */
export function pixelColour(r: number, g: number, b: number): number {
  const { h, s, v } = hsv(r, g, b);
  if (s < MIN_SATURATION || v < MIN_VALUE) return COLORS.length;
  let best: number = COLORS.length;
  let bestDistance = HUE_TOLERANCE;
  HUES.forEach((hue, i) => {
    const d = Math.min(Math.abs(h - hue), 360 - Math.abs(h - hue));
    if (d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return best;
}

/**
 * Colour mix targets [rows·cols·COLOUR_CLASSES], row-major by token: for the token covering screenshot
 * pixels [cell·row, cell·(row+1)) × [cell·col, cell·(col+1)), the fraction of them of each colour, then
 * of none. The screenshot's sides must be multiples of `cell`.
 */
export function colourTargets(shot: Screenshot, cell: number): Float32Array {
  const { width, height, rgb } = shot;
  if (width % cell !== 0 || height % cell !== 0)
    throw new Error(
      `gui-agent colourTargets: a ${width}×${height} screenshot is not a grid of ${cell}-pixel cells`,
    );
  const cols = width / cell;
  const rows = height / cell;
  const out = new Float32Array(rows * cols * COLOUR_CLASSES);
  const share = 1 / (cell * cell);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const token = Math.floor(y / cell) * cols + Math.floor(x / cell);
      out[token * COLOUR_CLASSES + pixelColour(rgb[p], rgb[p + 1], rgb[p + 2])] += share;
    }
  return out;
}
