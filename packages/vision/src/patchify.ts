import { fmtShape, type Tensor, TesseraError } from '@tessera/core';

/** Rows and columns of patches of one image. */
export interface PatchGrid {
  rows: number;
  cols: number;
}

/**
 * The patch grid of an H×W image: ⌈H/p⌉ rows and ⌈W/p⌉ columns. Sizes that are not a multiple of
 * the patch are padded at the bottom and right with zeros (the last row/column of patches is
 * partly padding), so no pixel is dropped and a patch never straddles the image edge.
 */
export function patchGrid(height: number, width: number, patch: number): PatchGrid {
  if (![height, width, patch].every((n) => Number.isInteger(n) && n > 0)) {
    throw new TesseraError(
      'patchGrid',
      `image ${height}×${width} and patch ${patch} must be positive integers`,
    );
  }
  return { rows: Math.ceil(height / patch), cols: Math.ceil(width / patch) };
}

/**
 * Patches of one image [C, H, W] at its native resolution: [rows·cols, C·p·p], row-major over the
 * grid, each patch flattened as (channel, y, x). The image is zero-padded at the bottom and right
 * to a multiple of the patch first (see `patchGrid`). Composed of pad, reshape and permute, so
 * gradients flow back to the pixels.
 */
export function patchify(image: Tensor, patch: number): Tensor {
  if (image.rank !== 3) {
    throw new TesseraError(
      'patchify',
      `image must be [channels, height, width], got ${fmtShape(image.shape)}`,
    );
  }
  const [c, h, w] = image.shape;
  const { rows, cols } = patchGrid(h, w, patch);
  const padded =
    rows * patch === h && cols * patch === w ? image : image.pad([0, cols * patch - w, 0, rows * patch - h]);
  return padded
    .reshape([c, rows, patch, cols, patch])
    .permute([1, 3, 0, 2, 4])
    .reshape([rows * cols, c * patch * patch]);
}
