import { encodePng, Raster, type Rgb } from '@tessera/plot';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const INK: Rgb = [20, 20, 20];

/** Draws one 28×28 image of values in [0, 1] (1 dark) at (x, y), each pixel a scale×scale square. */
function drawDigit(
  img: Raster,
  x: number,
  y: number,
  values: ArrayLike<number>,
  offset: number,
  scale: number,
): void {
  for (let py = 0; py < SIDE; py++) {
    for (let px = 0; px < SIDE; px++) {
      const v = 255 - Math.round(255 * Math.min(1, Math.max(0, values[offset + py * SIDE + px])));
      img.fillRect(x + px * scale, y + py * scale, scale, scale, [v, v, v]);
    }
  }
  img.strokeRect(x - 1, y - 1, SIDE * scale + 2, SIDE * scale + 2, [190, 190, 190]);
}

export interface SampleRow {
  /** Shown above the row, e.g. 'NADE  TEST NLL 91.2'. */
  title: string;
  /** count × 784 binary pixels. */
  images: Float32Array;
}

/** A PNG with one titled block of digits per model, `columns` digits to a line. */
export function renderSampleGrid(blocks: readonly SampleRow[], columns = 16, scale = 2): Uint8Array {
  const cell = SIDE * scale + 6;
  const lines = blocks.map((b) => Math.ceil(b.images.length / PIXELS / columns));
  const width = 12 + columns * cell;
  const height = 8 + blocks.reduce((h, _, i) => h + 22 + lines[i] * cell, 0);
  const img = new Raster(width, height);
  let y = 8;
  blocks.forEach((block, i) => {
    img.text(8, y, block.title, INK, 2);
    y += 22;
    const count = block.images.length / PIXELS;
    for (let k = 0; k < count; k++) {
      drawDigit(
        img,
        8 + (k % columns) * cell,
        y + Math.floor(k / columns) * cell,
        block.images,
        k * PIXELS,
        scale,
      );
    }
    y += lines[i] * cell;
  });
  return encodePng(img.width, img.height, img.pixels);
}

export interface ConditionalColumn {
  title: string;
  /** digits × 784 probabilities p(xᵢ = 1 | x<ᵢ) under teacher forcing. */
  probabilities: Float32Array;
}

/**
 * A PNG with one line per test digit: the digit itself, then for each model the map of its conditional
 * probabilities p(xᵢ = 1 | x<ᵢ) given the digit's earlier pixels (dark = likely on).
 */
export function renderConditionals(
  digits: Float32Array,
  columns: readonly ConditionalColumn[],
  scale = 3,
): Uint8Array {
  const cell = SIDE * scale + 12;
  const count = digits.length / PIXELS;
  const titles = ['DIGIT', ...columns.map((c) => c.title)];
  const img = new Raster(12 + titles.length * cell, 30 + count * cell);
  titles.forEach((t, c) => {
    img.text(8 + c * cell, 8, t, INK, 2);
  });
  for (let k = 0; k < count; k++) {
    const y = 30 + k * cell;
    drawDigit(img, 8, y, digits, k * PIXELS, scale);
    columns.forEach((col, c) => {
      drawDigit(img, 8 + (c + 1) * cell, y, col.probabilities, k * PIXELS, scale);
    });
  }
  return encodePng(img.width, img.height, img.pixels);
}
