import { fmtShape, ones, Tensor, TesseraError, tensor } from '@tessera/core';
import { linear } from '../functional/linear.js';
import { Linear, type LinearOptions } from './linear.js';

/**
 * y = x·(W ⊙ M)ᵀ + b: a Linear layer whose weight is multiplied elementwise by a fixed 0/1 mask M of
 * shape [out, in] (a buffer, all ones until `setMask`). Masked-out weights get zero gradient, so they
 * never affect the output; MADE builds its autoregressive networks from these.
 */
export class MaskedLinear extends Linear {
  readonly mask: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super(inFeatures, outFeatures, options);
    this.mask = this.registerBuffer(
      'mask',
      ones([outFeatures, inFeatures], {
        dtype: this.weight.dtype,
        device: this.weight.device,
        context: this.weight.ctx,
      }),
    );
  }

  /**
   * Replaces the mask's values (the handle stays the same): a [out, in] tensor or a row-major array of
   * out·in entries, each 0 or 1.
   */
  setMask(mask: Tensor | ArrayLike<number>): void {
    const [out, inF] = this.mask.shape;
    if (!(mask instanceof Tensor)) {
      if (mask.length !== out * inF)
        throw new TesseraError(
          'MaskedLinear.setMask',
          `need ${out}·${inF} = ${out * inF} entries, got ${mask.length}`,
        );
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] !== 0 && mask[i] !== 1)
          throw new TesseraError(
            'MaskedLinear.setMask',
            `entry ${i} is ${mask[i]}; a mask holds only 0 and 1`,
          );
      }
      const t = tensor(Float32Array.from(mask), [out, inF], { context: this.mask.ctx })
        .to(this.mask.device)
        .cast(this.mask.dtype);
      this.mask.assign(t);
      t.dispose();
      return;
    }
    if (mask.rank !== 2 || mask.shape[0] !== out || mask.shape[1] !== inF)
      throw new TesseraError(
        'MaskedLinear.setMask',
        `mask ${fmtShape(mask.shape)} must be [${out}, ${inF}] ([out, in])`,
      );
    // assign rebinds the handle: a graph that saved this mask must be done (backward run) before a new one.
    const t = mask.cast(this.mask.dtype);
    this.mask.assign(t);
    if (t !== mask) t.dispose();
  }

  /**
   * x·(W ⊙ M)ᵀ + b with the layer's mask, or with `mask` ([out, in]) for this call only: models that keep
   * several masks (MADE's ensembles) pass them here rather than swapping the buffer while a graph that
   * saved it is alive.
   */
  override forward(x: Tensor, mask: Tensor = this.mask): Tensor {
    if (mask.rank !== 2 || mask.shape[0] !== this.outFeatures || mask.shape[1] !== this.inFeatures)
      throw new TesseraError(
        'MaskedLinear',
        `mask ${fmtShape(mask.shape)} must be [${this.outFeatures}, ${this.inFeatures}] ([out, in])`,
      );
    return linear(x, this.weight.mul(mask), this.bias);
  }
}
