import { TesseraError } from '@tessera/core';

/**
 * What a schedule needs of an optimizer: its groups' learning rates (and, for OneCycle's
 * momentum cycling, SGD/RMSprop's `momentum` or Adam's `betas`).
 */
export interface HasParamGroups {
  paramGroups: { lr: number; momentum?: number; betas?: [number, number] }[];
}

/** Throws when `options` has a key the schedule does not know (a misspelt option is not ignored). */
function knownOptions(op: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw new TesseraError(op, `unknown option '${unknown}' (known options: ${known.join(', ')})`);
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
 * PyTorch's CosineAnnealingLR: lr = ηmin + (base − ηmin)·½(1 + cos(π·t/tMax)). Past tMax it keeps
 * following the cosine (back up to base at 2·tMax, and so on), as PyTorch's recursive form does;
 * for a schedule that stays at its minimum, use CosineWithWarmup.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: HasParamGroups, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    knownOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    positiveInt('CosineAnnealingLR', 'tMax', options.tMax);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    if (!Number.isFinite(this.etaMin) || this.etaMin < 0)
      throw new TesseraError('CosineAnnealingLR', `etaMin must be a finite number ≥ 0, got ${this.etaMin}`);
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return this.etaMin + (base - this.etaMin) * 0.5 * (1 + Math.cos((Math.PI * t) / this.tMax));
  }
}

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
  /**
   * Cycle momentum inversely to the lr, as PyTorch does by default (true): maxMomentum →
   * baseMomentum while the lr rises, back to maxMomentum while it falls. It sets SGD's and
   * RMSprop's `momentum`, or Adam's and AdamW's β₁.
   */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak (default 0.85). */
  baseMomentum?: number;
  /** Momentum at the start and the end (default 0.95). */
  maxMomentum?: number;
}

const ONE_CYCLE_OPTIONS = [
  'maxLr',
  'totalSteps',
  'pctStart',
  'divFactor',
  'finalDivFactor',
  'cycleMomentum',
  'baseMomentum',
  'maxMomentum',
];

/** ½-cosine from start (p = 0) to end (p = 1). */
function anneal(start: number, end: number, p: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * p));
}

/**
 * The one-cycle policy (Smith & Topin), as in PyTorch with cosine annealing: from
 * maxLr/divFactor up to maxLr over the first pctStart of the steps, then down to
 * maxLr/(divFactor·finalDivFactor) at the last step. Each phase anneals as
 * lr = end + (start − end)·½(1 + cos(π·p)). It ignores the optimizer's initial lr. Momentum
 * (or β₁) follows the same phases inversely unless `cycleMomentum: false`.
 */
export class OneCycle extends LRScheduler {
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly initialLr: number;
  readonly finalLr: number;
  readonly peakStep: number;
  readonly cycleMomentum: boolean;
  readonly baseMomentum: number;
  readonly maxMomentum: number;
  constructor(optimizer: HasParamGroups, options: OneCycleOptions) {
    super(optimizer);
    knownOptions('OneCycle', options, ONE_CYCLE_OPTIONS);
    positiveInt('OneCycle', 'totalSteps', options.totalSteps);
    const pct = options.pctStart ?? 0.3;
    if (!(pct > 0 && pct < 1)) throw new TesseraError('OneCycle', `pctStart must be in (0, 1), got ${pct}`);
    this.maxLr = options.maxLr;
    this.totalSteps = options.totalSteps;
    this.initialLr = options.maxLr / (options.divFactor ?? 25);
    this.finalLr = this.initialLr / (options.finalDivFactor ?? 1e4);
    this.peakStep = pct * options.totalSteps - 1;
    this.cycleMomentum = options.cycleMomentum ?? true;
    this.baseMomentum = options.baseMomentum ?? 0.85;
    this.maxMomentum = options.maxMomentum ?? 0.95;
    if (this.cycleMomentum) {
      if (!(this.baseMomentum >= 0 && this.baseMomentum <= this.maxMomentum && this.maxMomentum < 1)) {
        throw new TesseraError(
          'OneCycle',
          `momentum must satisfy 0 ≤ baseMomentum ≤ maxMomentum < 1, got baseMomentum ${this.baseMomentum} and maxMomentum ${this.maxMomentum}`,
        );
      }
      optimizer.paramGroups.forEach((g, i) => {
        if (g.betas === undefined && g.momentum === undefined) {
          throw new TesseraError(
            'OneCycle',
            `group ${i} has neither momentum nor betas to cycle; use an optimizer with momentum (SGD, RMSprop, Adam, AdamW) or pass cycleMomentum: false`,
          );
        }
      });
    }
    this.apply();
  }

  /** Which phase step t is in and how far along it (0 → 1). */
  private phase(t: number): { rising: boolean; p: number } {
    if (t <= this.peakStep) return { rising: true, p: this.peakStep > 0 ? t / this.peakStep : 1 };
    return { rising: false, p: Math.min(1, (t - this.peakStep) / (this.totalSteps - 1 - this.peakStep)) };
  }

  lrAt(t: number): number {
    const { rising, p } = this.phase(t);
    return rising ? anneal(this.initialLr, this.maxLr, p) : anneal(this.maxLr, this.finalLr, p);
  }

  /** The momentum (or β₁) at step t: high while the lr is low. */
  momentumAt(t: number): number {
    const { rising, p } = this.phase(t);
    return rising
      ? anneal(this.maxMomentum, this.baseMomentum, p)
      : anneal(this.baseMomentum, this.maxMomentum, p);
  }

  protected override apply(): void {
    super.apply();
    if (!this.cycleMomentum) return;
    const m = this.momentumAt(this.stepCount);
    for (const g of this.optimizer.paramGroups) {
      if (g.betas !== undefined) g.betas = [m, g.betas[1]];
      else g.momentum = m;
    }
  }
}
