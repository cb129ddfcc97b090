import { concat, fmtShape, type Tensor, TesseraError, tensor, zeros } from '@tessera/core';
import type { PatchGrid } from './patchify.js';

/** The grid after merging f×f blocks: ⌈rows/f⌉ × ⌈cols/f⌉ (odd grids are padded, see `pixelShuffle`). */
export function mergedGrid(grid: PatchGrid, factor = 2): PatchGrid {
  return { rows: Math.ceil(grid.rows / factor), cols: Math.ceil(grid.cols / factor) };
}

function check(op: string, x: Tensor, n: number, what: string): void {
  if (x.rank !== 2 || x.shape[0] !== n) {
    throw new TesseraError(op, `x must be [${what} = ${n}, dim], got ${fmtShape(x.shape)}`);
  }
}

/**
 * Pixel shuffle (space-to-depth) over one image's patch grid: x [rows·cols, D] (row-major) →
 * [⌈rows/f⌉·⌈cols/f⌉, f·f·D], each f×f block of neighbouring patches concatenated in row-major
 * order (top-left, top-right, bottom-left, bottom-right for f = 2). Odd grids are padded at the
 * bottom and right with zero patches first, so every patch lands in exactly one block.
 */
export function pixelShuffle(x: Tensor, grid: PatchGrid, factor = 2): Tensor {
  const { rows, cols } = grid;
  check('pixelShuffle', x, rows * cols, `${rows}·${cols} patches`);
  const d = x.shape[1];
  const m = mergedGrid(grid, factor);
  let g = x.reshape([rows, cols, d]);
  if (m.rows * factor !== rows || m.cols * factor !== cols) {
    g = g.pad([0, 0, 0, m.cols * factor - cols, 0, m.rows * factor - rows]);
  }
  return g
    .reshape([m.rows, factor, m.cols, factor, d])
    .permute([0, 2, 1, 3, 4])
    .reshape([m.rows * m.cols, factor * factor * d]);
}

/** The inverse of `pixelShuffle`: [⌈rows/f⌉·⌈cols/f⌉, f·f·D] → [rows·cols, D], padding dropped. */
export function pixelUnshuffle(y: Tensor, grid: PatchGrid, factor = 2): Tensor {
  const m = mergedGrid(grid, factor);
  check('pixelUnshuffle', y, m.rows * m.cols, `merged ${m.rows}·${m.cols} tokens`);
  const d = y.shape[1] / (factor * factor);
  if (!Number.isInteger(d)) {
    throw new TesseraError('pixelUnshuffle', `width ${y.shape[1]} is not a multiple of ${factor * factor}`);
  }
  return y
    .reshape([m.rows, m.cols, factor, factor, d])
    .permute([0, 2, 1, 3, 4])
    .reshape([m.rows * factor, m.cols * factor, d])
    .slice(0, 0, grid.rows)
    .slice(1, 0, grid.cols)
    .reshape([grid.rows * grid.cols, d]);
}

/**
 * `pixelShuffle` of every image of a packed batch at once: features [Σ rowsᵢ·colsᵢ, D] (image after
 * image) → [Σ ⌈rowsᵢ/f⌉·⌈colsᵢ/f⌉, f·f·D], as one row gather from a host-computed index (padding
 * patches read an appended zero row), so a batch of many images costs one op.
 */
export function pixelShufflePacked(features: Tensor, grids: readonly PatchGrid[], factor = 2): Tensor {
  const total = grids.reduce((n, g) => n + g.rows * g.cols, 0);
  check('pixelShufflePacked', features, total, 'Σ rows·cols of the grids');
  const d = features.shape[1];
  const index: number[] = [];
  let start = 0;
  for (const g of grids) {
    const m = mergedGrid(g, factor);
    for (let mr = 0; mr < m.rows; mr++) {
      for (let mc = 0; mc < m.cols; mc++) {
        for (let dr = 0; dr < factor; dr++) {
          for (let dc = 0; dc < factor; dc++) {
            const [r, c] = [mr * factor + dr, mc * factor + dc];
            index.push(r < g.rows && c < g.cols ? start + r * g.cols + c : total);
          }
        }
      }
    }
    start += g.rows * g.cols;
  }
  const o = { dtype: features.dtype, context: features.ctx, device: features.device };
  const rows = concat([features, zeros([1, d], o)], 0);
  const at = tensor(index, [index.length], { dtype: 'i32', context: features.ctx, device: features.device });
  return rows.indexSelect(0, at).reshape([index.length / (factor * factor), factor * factor * d]);
}
