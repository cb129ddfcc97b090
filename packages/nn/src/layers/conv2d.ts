import { conv2d, type Tensor, TesseraError } from '@tessera/core';
import { uniform } from '../init.js';
import { Module, type ModuleOptions } from '../module.js';

type Pair = [number, number];

export interface Conv2dOptions extends ModuleOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
  bias?: boolean;
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

/**
 * 2-D convolution over NCHW input; weight [out, in/groups, kh, kw]. Weight and bias start as
 * U(−1/√fanIn, 1/√fanIn) with fanIn = in/groups·kh·kw, PyTorch's default.
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  private readonly conv: { stride: Pair; padding: Pair; dilation: Pair; groups: number };

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new TesseraError(
        'Conv2d',
        `channels ${inChannels} → ${outChannels} must both be divisible by groups ${groups}`,
      );
    }
    const [kh, kw] = pair(kernelSize);
    const fanIn = (inChannels / groups) * kh * kw;
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.registerParameter(
      'weight',
      uniform([outChannels, inChannels / groups, kh, kw], -bound, bound, options),
    );
    this.bias =
      options.bias === false
        ? undefined
        : this.registerParameter('bias', uniform([outChannels], -bound, bound, options));
    this.conv = {
      stride: pair(options.stride ?? 1),
      padding: pair(options.padding ?? 0),
      dilation: pair(options.dilation ?? 1),
      groups,
    };
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.conv);
  }
}
