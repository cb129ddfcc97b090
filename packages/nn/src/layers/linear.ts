import { type Tensor, TesseraError } from '@tessera/core';
import { linear } from '../functional/linear.js';
import { uniform } from '../init.js';
import { Module, type ModuleOptions } from '../module.js';

export interface LinearOptions extends ModuleOptions {
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b, W of shape [out, in]. Both start as U(−1/√in, 1/√in), PyTorch's default
 * (kaiming-uniform with a = √5 reduces to this bound).
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    if (
      !Number.isInteger(inFeatures) ||
      !Number.isInteger(outFeatures) ||
      inFeatures < 1 ||
      outFeatures < 1
    ) {
      throw new TesseraError(
        'Linear',
        `features must be positive integers, got ${inFeatures} → ${outFeatures}`,
      );
    }
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter(
      'weight',
      uniform([outFeatures, inFeatures], -bound, bound, options),
    );
    this.bias =
      options.bias === false
        ? undefined
        : this.registerParameter('bias', uniform([outFeatures], -bound, bound, options));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
