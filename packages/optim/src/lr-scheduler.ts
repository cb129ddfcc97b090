import { TesseraError } from '@tessera/core';

/** What a schedule needs of an optimizer: its groups' learning rates. */
export interface HasParamGroups {
  paramGroups: { lr: number }[];
}

/**
 * A learning-rate schedule: `step()` once per optimizer step (after it) sets every group's lr to
 * the schedule's value at the new step count, scaled from the group's initial lr.
 */
export abstract class LRScheduler {
  /** Each group's lr when the schedule was made. */
  readonly baseLrs: number[];
  /** Optimizer steps taken so far. */
  stepCount = 0;

  constructor(protected readonly optimizer: HasParamGroups) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr at step t (0-based) for a group whose initial lr is base. */
  abstract lrAt(t: number, base: number): number;

  /** Sets the groups' lr for step `stepCount`; subclasses' constructors call it once. */
  protected apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.lrAt(this.stepCount, this.baseLrs[i]);
    });
  }

  step(): void {
    this.stepCount += 1;
    this.apply();
  }

  /** The first group's current lr. */
  get lr(): number {
    return this.optimizer.paramGroups[0].lr;
  }
}

function positiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new TesseraError(op, `${name} must be a positive integer, got ${v}`);
}

/** lr = base·γ^⌊t/stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: HasParamGroups, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    positiveInt('StepLR', 'stepSize', options.stepSize);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return base * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/**
 * Linear warmup to base over `warmupSteps` (lr = base·(t + 1)/warmup, so the first step already
 * moves), then half a cosine down to minLr at `totalSteps`:
 * lr = minLr + (base − minLr)·½(1 + cos(π·p)), p = (t − warmup)/(total − warmup), clamped to 1.
 */
export class CosineWithWarmup extends LRScheduler {
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly minLr: number;
  constructor(
    optimizer: HasParamGroups,
    options: { warmupSteps?: number; totalSteps: number; minLr?: number },
  ) {
    super(optimizer);
    positiveInt('CosineWithWarmup', 'totalSteps', options.totalSteps);
    this.warmupSteps = options.warmupSteps ?? 0;
    if (!(this.warmupSteps >= 0 && this.warmupSteps < options.totalSteps)) {
      throw new TesseraError(
        'CosineWithWarmup',
        `warmupSteps must be in [0, totalSteps), got ${this.warmupSteps}`,
      );
    }
    this.totalSteps = options.totalSteps;
    this.minLr = options.minLr ?? 0;
    this.apply();
  }
  lrAt(t: number, base: number): number {
    if (t < this.warmupSteps) return (base * (t + 1)) / this.warmupSteps;
    const p = Math.min(1, (t - this.warmupSteps) / (this.totalSteps - this.warmupSteps));
    return this.minLr + (base - this.minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
  }
}

/**
 * Linear warmup (lr = base·(t + 1)/warmup), then linear decay from base to base·endFactor at
 * `totalSteps`.
 */
export class LinearWarmupDecay extends LRScheduler {
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly endFactor: number;
  constructor(
    optimizer: HasParamGroups,
    options: { warmupSteps?: number; totalSteps: number; endFactor?: number },
  ) {
    super(optimizer);
    positiveInt('LinearWarmupDecay', 'totalSteps', options.totalSteps);
    this.warmupSteps = options.warmupSteps ?? 0;
    if (!(this.warmupSteps >= 0 && this.warmupSteps < options.totalSteps)) {
      throw new TesseraError(
        'LinearWarmupDecay',
        `warmupSteps must be in [0, totalSteps), got ${this.warmupSteps}`,
      );
    }
    this.totalSteps = options.totalSteps;
    this.endFactor = options.endFactor ?? 0;
    this.apply();
  }
  lrAt(t: number, base: number): number {
    if (t < this.warmupSteps) return (base * (t + 1)) / this.warmupSteps;
    const p = Math.min(1, (t - this.warmupSteps) / (this.totalSteps - this.warmupSteps));
    return base * (1 - (1 - this.endFactor) * p);
  }
}

/**
 * The one-cycle policy (Smith & Topin), as in PyTorch with cosine annealing: from
 * maxLr/divFactor up to maxLr over the first pctStart of the steps, then down to
 * maxLr/(divFactor·finalDivFactor) at the last step. Each phase anneals as
 * lr = end + (start − end)·½(1 + cos(π·p)). It ignores the optimizer's initial lr.
 */
export class OneCycle extends LRScheduler {
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly initialLr: number;
  readonly finalLr: number;
  readonly peakStep: number;
  constructor(
    optimizer: HasParamGroups,
    options: {
      maxLr: number;
      totalSteps: number;
      pctStart?: number;
      divFactor?: number;
      finalDivFactor?: number;
    },
  ) {
    super(optimizer);
    positiveInt('OneCycle', 'totalSteps', options.totalSteps);
    const pct = options.pctStart ?? 0.3;
    if (!(pct > 0 && pct < 1)) throw new TesseraError('OneCycle', `pctStart must be in (0, 1), got ${pct}`);
    this.maxLr = options.maxLr;
    this.totalSteps = options.totalSteps;
    this.initialLr = options.maxLr / (options.divFactor ?? 25);
    this.finalLr = this.initialLr / (options.finalDivFactor ?? 1e4);
    this.peakStep = pct * options.totalSteps - 1;
    this.apply();
  }
  lrAt(t: number): number {
    const anneal = (start: number, end: number, p: number) =>
      end + ((start - end) / 2) * (1 + Math.cos(Math.PI * p));
    if (t <= this.peakStep)
      return anneal(this.initialLr, this.maxLr, this.peakStep > 0 ? t / this.peakStep : 1);
    const p = Math.min(1, (t - this.peakStep) / (this.totalSteps - 1 - this.peakStep));
    return anneal(this.maxLr, this.finalLr, p);
  }
}
