import { fmtShape, type Tensor, TesseraError, tensor } from '@tessera/core';

/**
 * The 1-D bilinear resampling matrix [size, base] (half-pixel centres, PyTorch's
 * align_corners=false): output i reads the base table at s = (i + ½)·base/size − ½, clamped to
 * [0, base − 1], as (1 − f)·t[⌊s⌋] + f·t[⌊s⌋ + 1]. At size = base it is the identity.
 */
export function bilinearMatrix(base: number, size: number): Float64Array {
  const m = new Float64Array(size * base);
  for (let i = 0; i < size; i++) {
    const s = Math.min(Math.max(((i + 0.5) * base) / size - 0.5, 0), base - 1);
    const lo = Math.floor(s);
    const hi = Math.min(lo + 1, base - 1);
    const f = s - lo;
    m[i * base + lo] += 1 - f;
    m[i * base + hi] += f;
  }
  return m;
}

/**
 * Learned absolute position embeddings for a rows×cols patch grid, bilinearly interpolated from a
 * base table [baseRows·baseCols, D] (row-major): [rows·cols, D]. The 2-D interpolation is the
 * outer product of two 1-D ones, applied as one matrix product (Wr ⊗ Wc)·table, so the table gets
 * its gradient through matmul. At the base size the result is the table itself.
 */
export function interpolatePositions(
  table: Tensor,
  base: { rows: number; cols: number },
  rows: number,
  cols: number,
): Tensor {
  return interpolatePositionsPacked(table, base, [{ rows, cols }]);
}

/**
 * `interpolatePositions` for several grids at once, stacked: [Σ rowsᵢ·colsᵢ, D]. One matrix
 * product for a whole packed batch of images.
 */
export function interpolatePositionsPacked(
  table: Tensor,
  base: { rows: number; cols: number },
  grids: readonly { rows: number; cols: number }[],
): Tensor {
  if (table.rank !== 2 || table.shape[0] !== base.rows * base.cols) {
    throw new TesseraError(
      'interpolatePositions',
      `table must be [${base.rows}·${base.cols}, dim] for a ${base.rows}×${base.cols} base grid, got ${fmtShape(table.shape)}`,
    );
  }
  const n = base.rows * base.cols;
  let total = 0;
  for (const { rows, cols } of grids) {
    if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0)) {
      throw new TesseraError('interpolatePositions', `grid ${rows}×${cols} must be positive integers`);
    }
    total += rows * cols;
  }
  const w = new Float64Array(total * n);
  let out = 0;
  for (const { rows, cols } of grids) {
    const wr = bilinearMatrix(base.rows, rows);
    const wc = bilinearMatrix(base.cols, cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, out += n) {
        for (let br = 0; br < base.rows; br++) {
          const a = wr[r * base.rows + br];
          if (a === 0) continue;
          for (let bc = 0; bc < base.cols; bc++) w[out + br * base.cols + bc] = a * wc[c * base.cols + bc];
        }
      }
    }
  }
  const matrix = tensor(w, [total, n], { dtype: table.dtype, context: table.ctx, device: table.device });
  return matrix.matmul(table);
}
