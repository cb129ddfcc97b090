import { noGrad } from '@tessera/autograd';
import { type Tensor, TesseraError, tidy } from '@tessera/core';

export interface DynamicLossScalerOptions {
  /** Starting scale (default 2¹⁶). */
  initScale?: number;
  /** Multiplier after `growthInterval` steps without overflow (default 2). */
  growthFactor?: number;
  /** Multiplier after an overflow (default 0.5). */
  backoffFactor?: number;
  /** Clean steps between growths (default 2000). */
  growthInterval?: number;
}

/** What the scaler needs of an optimizer. */
export interface Steppable {
  paramGroups: { params: Tensor[] }[];
  step(): void;
  zeroGrad(): void;
}

/**
 * Dynamic loss scaling for f16 training (Micikevicius et al. 2018): multiply the loss by S so
 * small gradients survive half precision, divide the gradients by S before the update, and skip
 * any step whose gradients hold inf/NaN, halving S; after `growthInterval` clean steps, double S.
 */
export class DynamicLossScaler {
  scale: number;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  /** Clean steps since the last growth or overflow. */
  goodSteps = 0;
  /** Steps skipped so far because of inf/NaN gradients. */
  skipped = 0;

  constructor(options: DynamicLossScalerOptions = {}) {
    this.scale = options.initScale ?? 2 ** 16;
    this.growthFactor = options.growthFactor ?? 2;
    this.backoffFactor = options.backoffFactor ?? 0.5;
    this.growthInterval = options.growthInterval ?? 2000;
    if (
      !(this.scale > 0) ||
      !(this.growthFactor > 1) ||
      !(this.backoffFactor > 0 && this.backoffFactor < 1)
    ) {
      throw new TesseraError(
        'DynamicLossScaler',
        `need initScale > 0, growthFactor > 1 and backoffFactor in (0, 1), got ${this.scale}, ${this.growthFactor}, ${this.backoffFactor}`,
      );
    }
  }

  /** loss·S, to call backward on. */
  scaleLoss(loss: Tensor): Tensor {
    return loss.mul(this.scale);
  }

  /**
   * Unscales the gradients, then steps the optimizer if they are all finite; otherwise skips
   * the step, clears the gradients and backs the scale off. Returns whether it stepped.
   */
  step(optimizer: Steppable): boolean {
    const params = optimizer.paramGroups.flatMap((g) => g.params).filter((p) => p.grad !== undefined);
    if (params.length === 0) return false;
    const ctx = params[0].ctx;
    const finite = noGrad(
      () =>
        tidy(() => {
          let ok = true;
          for (const p of params) {
            const g = p.grad!;
            // g − g is 0 for finite values and NaN for ±inf and NaN.
            if (ok && g.sub(g).abs().sum().cast('f32').itemSync() !== 0) ok = false;
          }
          if (ok) for (const p of params) p.grad!.assign(p.grad!.div(this.scale));
          return ok;
        }, ctx),
      ctx,
    );
    if (!finite) {
      optimizer.zeroGrad();
      this.scale *= this.backoffFactor;
      this.goodSteps = 0;
      this.skipped += 1;
      return false;
    }
    optimizer.step();
    this.goodSteps += 1;
    if (this.goodSteps >= this.growthInterval) {
      this.scale *= this.growthFactor;
      this.goodSteps = 0;
    }
    return true;
  }
}
