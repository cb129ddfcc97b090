import { noGrad } from '@tessera/autograd';
import { fmtShape, ones, type Tensor, TesseraError, tidy, zeros } from '@tessera/core';
import { Module, type ModuleOptions } from '../module.js';

export interface BatchNormOptions extends ModuleOptions {
  eps?: number;
  /** Weight of the new batch in the running averages: r ← (1 − m)·r + m·batch. Default 0.1. */
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * Batch normalization (Ioffe & Szegedy) over the channel axis 1:
 * y = (x − μ)/√(σ² + ε)·γ + β, where μ, σ² are the batch's (biased) statistics while training
 * and the running averages in eval mode. The running variance tracks the unbiased batch variance,
 * as in PyTorch.
 *
 * State-dict names are PyTorch's: `weight`, `bias`, `running_mean`, `running_var` and
 * `num_batches_tracked` (an i32 scalar counting training batches; PyTorch stores it as int64).
 * State dicts written with the earlier names `runningMean` / `runningVar` still load, and one
 * without `num_batches_tracked` loads with the counter left as it is.
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number;
  readonly weight: Tensor | undefined;
  readonly bias: Tensor | undefined;
  readonly runningMean: Tensor | undefined;
  readonly runningVar: Tensor | undefined;
  readonly numBatchesTracked: Tensor | undefined;

  constructor(
    readonly numFeatures: number,
    private readonly name: string,
    private readonly ranks: readonly number[],
    options: BatchNormOptions,
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const o = { dtype: options.dtype, device: options.device, context: options.context };
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures], o)) : undefined;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures], o)) : undefined;
    const track = options.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('running_mean', zeros([numFeatures], o)) : undefined;
    this.runningVar = track ? this.registerBuffer('running_var', ones([numFeatures], o)) : undefined;
    this.numBatchesTracked = track
      ? this.registerBuffer(
          'num_batches_tracked',
          zeros([], { dtype: 'i32', device: options.device, context: options.context }),
        )
      : undefined;
  }

  protected override legacyStateNames(): Readonly<Record<string, string>> {
    return { runningMean: 'running_mean', runningVar: 'running_var' };
  }

  protected override optionalStateNames(): readonly string[] {
    return ['num_batches_tracked'];
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      throw new TesseraError(
        this.name,
        `expected input of rank ${this.ranks.join(' or ')} with ${this.numFeatures} channels on axis 1, got ${fmtShape(x.shape)}`,
      );
    }
    const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
    // Per-channel statistics broadcast as [1, C, 1, …].
    const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
    let mean: Tensor;
    let variance: Tensor;
    if (this.training || this.runningMean === undefined || this.runningVar === undefined) {
      mean = x.mean(axes, true);
      variance = x.sub(mean).square().mean(axes, true);
      if (this.training && this.runningMean !== undefined && this.runningVar !== undefined) {
        const n = x.size / this.numFeatures;
        if (n < 2)
          throw new TesseraError(
            this.name,
            `needs more than one value per channel to train, got ${fmtShape(x.shape)}`,
          );
        const m = this.momentum;
        const rm = this.runningMean;
        const rv = this.runningVar;
        const count = this.numBatchesTracked;
        const bm = mean;
        const bv = variance;
        noGrad(
          () =>
            tidy(() => {
              rm.assign(rm.mul(1 - m).add(bm.reshape([this.numFeatures]).mul(m)));
              rv.assign(rv.mul(1 - m).add(bv.reshape([this.numFeatures]).mul((m * n) / (n - 1))));
              count?.assign(count.add(1));
            }, x.ctx),
          x.ctx,
        );
      }
    } else {
      mean = this.runningMean.reshape(bshape);
      variance = this.runningVar.reshape(bshape);
    }
    let y = x.sub(mean).mul(variance.add(this.eps).rsqrt());
    if (this.weight !== undefined) y = y.mul(this.weight.reshape(bshape));
    if (this.bias !== undefined) y = y.add(this.bias.reshape(bshape));
    return y;
  }
}

/** BatchNorm over [N, C] or [N, C, L] input. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, 'BatchNorm1d', [2, 3], options);
  }
}

/** BatchNorm over [N, C, H, W] input. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, 'BatchNorm2d', [4], options);
  }
}
