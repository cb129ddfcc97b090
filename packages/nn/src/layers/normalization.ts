import { ones, type Tensor, zeros } from '@tessera/core';
import { layerNorm, rmsNorm } from '../functional/normalization.js';
import { Module, type ModuleOptions } from '../module.js';

export interface LayerNormOptions extends ModuleOptions {
  eps?: number;
  /** Learn γ (ones) and β (zeros). Default true. */
  elementwiseAffine?: boolean;
  /** Learn β too (only with elementwiseAffine). Default true. */
  bias?: boolean;
}

const shapeOf = (s: number | readonly number[]): number[] => (typeof s === 'number' ? [s] : [...s]);

/** Layer normalization over the trailing `normalizedShape` axes; see `layerNorm`. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = shapeOf(normalizedShape);
    this.eps = options.eps ?? 1e-5;
    const o = { dtype: options.dtype, device: options.device, context: options.context };
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones(this.normalizedShape, o)) : undefined;
    this.bias =
      affine && options.bias !== false
        ? this.registerParameter('bias', zeros(this.normalizedShape, o))
        : undefined;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

export interface RMSNormOptions extends ModuleOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

/** RMS normalization over the trailing axes with a learned gain γ (ones); see `rmsNorm`. */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | undefined;

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = shapeOf(normalizedShape);
    this.eps = options.eps ?? 1e-6;
    const o = { dtype: options.dtype, device: options.device, context: options.context };
    this.weight =
      (options.elementwiseAffine ?? true)
        ? this.registerParameter('weight', ones(this.normalizedShape, o))
        : undefined;
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
}
