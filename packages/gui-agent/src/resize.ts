import { TesseraError } from '@tessera/core';

export interface Size {
  width: number;
  height: number;
}

export interface SmartResizeOptions {
  /** Each side becomes a multiple of this (patch size × merge, e.g. 28 for Qwen2-VL). */
  factor: number;
  /** Smallest allowed width × height. */
  minPixels: number;
  /** Largest allowed width × height. */
  maxPixels: number;
  /** Largest allowed ratio of the longer to the shorter side (200 by default). */
  maxAspectRatio?: number;
}

/** Python's `round`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The image size a screenshot is resized to before the model sees it (Qwen2-VL's `smart_resize`,
 * which UI-TARS uses): each side rounded to the nearest multiple of `factor` (at least one factor);
 * if the area then exceeds `maxPixels`, both sides are scaled by √(h·w / maxPixels) and floored to
 * multiples of the factor; if it falls below `minPixels`, scaled by √(minPixels / (h·w)) and
 * ceiled. The aspect ratio is kept up to that rounding.
 */
export function smartResize(height: number, width: number, o: SmartResizeOptions): Size {
  const { factor, minPixels, maxPixels } = o;
  const maxRatio = o.maxAspectRatio ?? 200;
  const args = `height ${height}, width ${width}, factor ${factor}, minPixels ${minPixels}, maxPixels ${maxPixels}`;
  if (!(height > 0 && width > 0 && Number.isFinite(height) && Number.isFinite(width)))
    throw new TesseraError('smartResize', `the sides must be positive numbers (${args})`);
  if (!(Number.isInteger(factor) && factor > 0))
    throw new TesseraError('smartResize', `factor must be a positive integer (${args})`);
  if (!(minPixels <= maxPixels) || maxPixels < factor * factor)
    throw new TesseraError('smartResize', `need minPixels ≤ maxPixels and maxPixels ≥ factor² (${args})`);
  if (Math.max(height, width) / Math.min(height, width) > maxRatio)
    throw new TesseraError('smartResize', `aspect ratio above ${maxRatio} (${args})`);
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}

/** Maps between integer cells of the model's grid and page pixels. */
export interface CoordinateMap {
  readonly grid: Size;
  readonly page: Size;
  /** The page pixel at the centre of grid cell `p`. */
  toPage(p: { x: number; y: number }): { x: number; y: number };
  /** The grid cell holding page pixel `p` (clamped to the grid). */
  toGrid(p: { x: number; y: number }): { x: number; y: number };
}

/**
 * The mapping between a model's coordinate grid (e.g. the smart-resized screenshot's pixels, or a
 * coarser grid of cells) and the page: cell (x, y) covers page pixels [x·W/gw, (x+1)·W/gw) × the
 * same in y, and stands for its centre. `toGrid(toPage(c))` is `c` for every cell.
 */
export function coordinateMap(grid: Size, page: Size): CoordinateMap {
  for (const [name, s] of [
    ['grid', grid],
    ['page', page],
  ] as const)
    if (!(s.width > 0 && s.height > 0))
      throw new TesseraError(
        'coordinateMap',
        `the ${name} size must be positive, got ${s.width}×${s.height}`,
      );
  const sx = page.width / grid.width;
  const sy = page.height / grid.height;
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  return {
    grid,
    page,
    toPage: (p) => ({ x: (p.x + 0.5) * sx, y: (p.y + 0.5) * sy }),
    toGrid: (p) => ({
      x: clamp(Math.floor(p.x / sx), grid.width),
      y: clamp(Math.floor(p.y / sy), grid.height),
    }),
  };
}
