import type { Tensor } from '@tessera/core';
import { Module, type ModuleOptions, uniform } from '@tessera/nn';
import { groupedMatmul } from './grouped-matmul.js';

/**
 * E SwiGLU feed-forward experts held as stacked weights — w1, w3 [E, dim, hidden] and
 * w2 [E, hidden, dim] — applied to an expert-sorted buffer: rows [offsets[e], offsets[e + 1])
 * go through expert e,
 *
 *   y = (SiLU(x·w1_e) ⊙ x·w3_e)·w2_e,
 *
 * as three grouped matrix products over all experts at once (no per-expert loop of small ops).
 * Weights start as U(−1/√fan_in, 1/√fan_in), the Linear default.
 */
export class SwiGLUExperts extends Module {
  readonly w1: Tensor;
  readonly w2: Tensor;
  readonly w3: Tensor;

  constructor(
    readonly experts: number,
    readonly dim: number,
    readonly hidden: number,
    options: ModuleOptions = {},
  ) {
    super();
    const inBound = 1 / Math.sqrt(dim);
    const outBound = 1 / Math.sqrt(hidden);
    this.w1 = this.registerParameter('w1', uniform([experts, dim, hidden], -inBound, inBound, options));
    this.w2 = this.registerParameter('w2', uniform([experts, hidden, dim], -outBound, outBound, options));
    this.w3 = this.registerParameter('w3', uniform([experts, dim, hidden], -inBound, inBound, options));
  }

  /** Buffer x [R, dim] with expert segments `offsets` (i32 [E + 1]) → [R, dim]. */
  forward(x: Tensor, offsets: Tensor): Tensor {
    const gate = groupedMatmul(x, this.w1, offsets).silu();
    return groupedMatmul(gate.mul(groupedMatmul(x, this.w3, offsets)), this.w2, offsets);
  }
}
