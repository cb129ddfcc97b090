import { count, get, type Ref } from './base.js';

/** Pool geometry as the reference sees it. */
export interface RefPool {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation?: [number, number];
}

/**
 * Each window of each output position as a list of [row, col, inImage] over the padded input,
 * in kernel order (row-major over the kernel).
 */
function windows(
  xs: number[],
  a: RefPool,
  visit: (out: number[], cells: [number, number, boolean][]) => void,
): number[] {
  const [n, c, h, w] = xs;
  const d = a.dilation ?? [1, 1];
  const oh = Math.floor((h + 2 * a.padding[0] - d[0] * (a.kernel[0] - 1) - 1) / a.stride[0]) + 1;
  const ow = Math.floor((w + 2 * a.padding[1] - d[1] * (a.kernel[1] - 1) - 1) / a.stride[1]) + 1;
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          const cells: [number, number, boolean][] = [];
          for (let i = 0; i < a.kernel[0]; i++)
            for (let j = 0; j < a.kernel[1]; j++) {
              const r = y * a.stride[0] - a.padding[0] + i * d[0];
              const q = x * a.stride[1] - a.padding[1] + j * d[1];
              cells.push([r, q, r >= 0 && r < h && q >= 0 && q < w]);
            }
          visit([b, ch, y, x], cells);
        }
  return [n, c, oh, ow];
}

/** The first cell holding the window's max, padding read as −inf; NaN counts as the max. */
function argmaxCell(x: Ref, b: number, ch: number, cells: [number, number, boolean][]): number {
  const vals = cells.map(([r, q, inside]) => (inside ? get(x, [b, ch, r, q]) : Number.NEGATIVE_INFINITY));
  const nan = vals.findIndex(Number.isNaN);
  return nan >= 0 ? nan : vals.indexOf(Math.max(...vals));
}

export function refMaxPool2d(x: Ref, a: RefPool): Ref {
  const out: number[] = [];
  const shape = windows(x.shape, a, ([b, ch], cells) => {
    const [r, q] = cells[argmaxCell(x, b, ch, cells)];
    out.push(get(x, [b, ch, r, q]));
  });
  return { shape, data: Float64Array.from(out) };
}

export function refMaxPool2dBackward(x: Ref, gy: Ref, a: RefPool): Ref {
  const data = new Float64Array(count(x.shape));
  windows(x.shape, a, ([b, ch, y, xx], cells) => {
    const [r, q] = cells[argmaxCell(x, b, ch, cells)];
    data[((b * x.shape[1] + ch) * x.shape[2] + r) * x.shape[3] + q] += get(gy, [b, ch, y, xx]);
  });
  return { shape: [...x.shape], data };
}

export function refAvgPool2d(x: Ref, a: RefPool, countIncludePad: boolean): Ref {
  const out: number[] = [];
  const shape = windows(x.shape, a, ([b, ch], cells) => {
    const inside = cells.filter((c) => c[2]);
    const s = inside.reduce((acc, [r, q]) => acc + get(x, [b, ch, r, q]), 0);
    out.push(s / (countIncludePad ? cells.length : inside.length));
  });
  return { shape, data: Float64Array.from(out) };
}

/** ∂L/∂x of the average: every in-image cell of a window receives gradOut / divisor. */
export function refAvgPool2dBackward(
  gy: Ref,
  inputShape: number[],
  a: RefPool,
  countIncludePad: boolean,
): Ref {
  const data = new Float64Array(count(inputShape));
  const [, c, h, w] = inputShape;
  windows(inputShape, a, ([b, ch, y, xx], cells) => {
    const inside = cells.filter((cell) => cell[2]);
    const g = get(gy, [b, ch, y, xx]) / (countIncludePad ? cells.length : inside.length);
    for (const [r, q] of inside) data[((b * c + ch) * h + r) * w + q] += g;
  });
  return { shape: [...inputShape], data };
}
