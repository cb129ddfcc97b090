import { type Tensor, TesseraError } from '@tessera/core';
import { Module } from '@tessera/nn';

/**
 * Nearest-neighbour upsampling of NCHW input by an integer factor: each pixel becomes a
 * factor × factor block (torch's `Upsample(scale_factor, mode='nearest')`). Written as a
 * reshape, a broadcast and a reshape, so autograd sums each block's gradient back into its pixel.
 */
export function upsampleNearest2d(x: Tensor, factor: number): Tensor {
  if (x.rank !== 4) {
    throw new TesseraError(
      'upsampleNearest2d',
      `x must be [batch, channels, height, width], got [${x.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(factor) || factor < 1) {
    throw new TesseraError('upsampleNearest2d', `factor must be a positive integer, got ${factor}`);
  }
  const [b, c, h, w] = x.shape;
  return x
    .reshape([b, c, h, 1, w, 1])
    .expand([b, c, h, factor, w, factor])
    .contiguous()
    .reshape([b, c, h * factor, w * factor]);
}

/** `upsampleNearest2d` as a layer. */
export class UpsampleNearest2d extends Module {
  constructor(readonly factor: number) {
    super();
    if (!Number.isInteger(factor) || factor < 1) {
      throw new TesseraError('UpsampleNearest2d', `factor must be a positive integer, got ${factor}`);
    }
  }

  forward(x: Tensor): Tensor {
    return upsampleNearest2d(x, this.factor);
  }
}
