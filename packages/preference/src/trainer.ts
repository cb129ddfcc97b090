import { backward, noGrad } from '@tessera/autograd';
import { type Context, full, stack, type Tensor, TesseraError, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { causalLogProbs } from './log-probs.js';
import { type DpoLossType, dpoLoss, type PreferenceLoss, simpoLoss } from './losses.js';
import {
  type CausalLM,
  collatePairs,
  type PreferencePair,
  pairTensors,
  placeOf,
  readAndDispose,
} from './pairs.js';

/** What the trainer needs of an optimizer (every `@tessera/optim` optimizer has it). */
export interface Optimizer {
  step(): void;
  zeroGrad(): void;
}

/** The pairwise losses the trainer runs: the DPO family, or the reference-free SimPO. */
export type PreferenceLossType = DpoLossType | 'simpo';

export interface PreferenceTrainerOptions {
  /** The policy πθ being trained. */
  model: CausalLM;
  /**
   * The reference π_ref, run under `noGrad` (e.g. `frozenCopy(model, build)`). Without it the pairs
   * must carry `referenceChosen`/`referenceRejected` (`precomputeReferenceLogProbs`), except for
   * SimPO, which needs no reference.
   */
  reference?: CausalLM;
  optimizer: Optimizer;
  /** The loss (default 'sigmoid', i.e. DPO). */
  loss?: PreferenceLossType;
  /** β (default 0.1 for the DPO family, 2 for SimPO). */
  beta?: number;
  /** ε for 'sigmoid', 'robust' and 'simpo' (default 0). */
  labelSmoothing?: number;
  /** SimPO's target margin γ (default 1). */
  gamma?: number;
  /** Micro-batches per optimizer step: their gradients add up to the whole batch's (default 1). */
  gradientAccumulationSteps?: number;
  /** The padding token (default 0; it is masked out). */
  padToken?: number;
}

/**
 * What one step logs, with TRL's names. Rewards are the loss's implicit rewards (β·log-ratio for
 * the DPO family, β·mean log-prob for SimPO), means over the pairs; `logps/*` are the policy's
 * summed response log-probabilities; `logits/*` the mean of the policy's logits over the response
 * tokens and the vocabulary; `kl` the mean over response tokens of KL(πθ(·|prefix) ‖ π_ref(·|prefix)),
 * exact per token from both models' logits, so present only with a reference model.
 */
export interface StepMetrics {
  step: number;
  loss: number;
  'rewards/chosen': number;
  'rewards/rejected': number;
  'rewards/accuracies': number;
  'rewards/margins': number;
  'logps/chosen': number;
  'logps/rejected': number;
  'logits/chosen': number;
  'logits/rejected': number;
  kl?: number;
}

const METRIC_NAMES = [
  'loss',
  'rewards/chosen',
  'rewards/rejected',
  'rewards/accuracies',
  'rewards/margins',
  'logps/chosen',
  'logps/rejected',
  'logits/chosen',
  'logits/rejected',
  'kl',
] as const;

export interface TrainOptions {
  /** Optimizer steps. */
  steps: number;
  /** Pairs per step (split into the accumulation micro-batches). */
  batchSize: number;
  /** Seed of the shuffling (a new permutation of the pairs every epoch; default 0). */
  seed?: number;
  /** Called after every step with its metrics. */
  onStep?: (metrics: StepMetrics) => void;
}

/**
 * Trains a policy on preference pairs (DPO and relatives). Each step runs the chosen and rejected
 * responses of a micro-batch through the policy in one forward pass, and through the reference
 * under `noGrad` (or reads precomputed reference log-probs), takes the loss, and backpropagates it
 * scaled by the micro-batch's share of the step; after the last micro-batch the optimizer steps.
 */
export class PreferenceTrainer {
  /** The metrics of every step so far. */
  readonly history: StepMetrics[] = [];
  private readonly model: CausalLM;
  private readonly reference: CausalLM | undefined;
  private readonly optimizer: Optimizer;
  private readonly lossType: PreferenceLossType;
  private readonly beta: number;
  private readonly labelSmoothing: number;
  private readonly gamma: number;
  private readonly accumulation: number;
  private readonly padToken: number;
  private readonly context: Context;
  private readonly device: string;

  constructor(options: PreferenceTrainerOptions) {
    this.model = options.model;
    this.reference = options.reference;
    this.optimizer = options.optimizer;
    this.lossType = options.loss ?? 'sigmoid';
    if (!['sigmoid', 'robust', 'hinge', 'ipo', 'simpo'].includes(this.lossType)) {
      throw new TesseraError(
        'PreferenceTrainer',
        `loss must be 'sigmoid', 'robust', 'hinge', 'ipo' or 'simpo', got '${this.lossType}'`,
      );
    }
    this.beta = options.beta ?? (this.lossType === 'simpo' ? 2 : 0.1);
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.gamma = options.gamma ?? 1;
    this.accumulation = options.gradientAccumulationSteps ?? 1;
    if (!(Number.isInteger(this.accumulation) && this.accumulation > 0)) {
      throw new TesseraError(
        'PreferenceTrainer',
        `gradientAccumulationSteps must be a positive integer, got ${this.accumulation}`,
      );
    }
    this.padToken = options.padToken ?? 0;
    if (this.reference === this.model) {
      throw new TesseraError(
        'PreferenceTrainer',
        'the reference must be a frozen copy, not the model itself (see frozenCopy)',
      );
    }
    ({ context: this.context, device: this.device } = placeOf(this.model, 'PreferenceTrainer'));
  }

  /** One optimizer step on `pairs` (all of them, in `gradientAccumulationSteps` micro-batches). */
  async step(pairs: readonly PreferencePair[]): Promise<StepMetrics> {
    const metrics = await this.run(pairs, true);
    this.optimizer.step();
    this.optimizer.zeroGrad();
    const logged = { step: this.history.length + 1, ...metrics };
    this.history.push(logged);
    return logged;
  }

  /** The same metrics on `pairs` without a gradient or an update (e.g. on held-out pairs). */
  async evaluate(pairs: readonly PreferencePair[]): Promise<Omit<StepMetrics, 'step'>> {
    return this.run(pairs, false);
  }

  /** `steps` steps of `batchSize` pairs each, drawn without replacement, reshuffled every epoch. */
  async train(pairs: readonly PreferencePair[], options: TrainOptions): Promise<StepMetrics[]> {
    const { steps, batchSize } = options;
    if (!(Number.isInteger(steps) && steps > 0 && Number.isInteger(batchSize) && batchSize > 0)) {
      throw new TesseraError(
        'PreferenceTrainer.train',
        `steps and batchSize must be positive integers, got ${steps} and ${batchSize}`,
      );
    }
    if (batchSize > pairs.length) {
      throw new TesseraError(
        'PreferenceTrainer.train',
        `batchSize ${batchSize} exceeds the ${pairs.length} pairs`,
      );
    }
    const rng = new Rng(options.seed ?? 0);
    let order = rng.permutation(pairs.length);
    let next = 0;
    const out: StepMetrics[] = [];
    for (let s = 0; s < steps; s++) {
      if (next + batchSize > order.length) {
        order = rng.permutation(pairs.length);
        next = 0;
      }
      const batch = order.slice(next, next + batchSize).map((i) => pairs[i]);
      next += batchSize;
      const m = await this.step(batch);
      out.push(m);
      options.onStep?.(m);
    }
    return out;
  }

  private async run(pairs: readonly PreferencePair[], learn: boolean): Promise<Omit<StepMetrics, 'step'>> {
    if (pairs.length < this.accumulation) {
      throw new TesseraError(
        'PreferenceTrainer',
        `${pairs.length} pairs cannot fill ${this.accumulation} accumulation micro-batches`,
      );
    }
    if (!this.reference && this.lossType !== 'simpo') {
      const missing = pairs.findIndex(
        (p) => p.referenceChosen === undefined || p.referenceRejected === undefined,
      );
      if (missing >= 0) {
        throw new TesseraError(
          'PreferenceTrainer',
          `pair ${missing} has no reference log-probs: pass a reference model or use precomputeReferenceLogProbs`,
        );
      }
    }
    const totals = new Map<string, number>();
    let start = 0;
    for (let k = 0; k < this.accumulation; k++) {
      const end = Math.round(((k + 1) * pairs.length) / this.accumulation);
      const micro = pairs.slice(start, end);
      start = end;
      const weight = micro.length / pairs.length;
      const read = await readAndDispose(tidy(() => this.microBatch(micro, weight, learn), this.context));
      METRIC_NAMES.forEach((name, i) => {
        totals.set(name, (totals.get(name) ?? 0) + weight * read[i]);
      });
    }
    const out = Object.fromEntries(METRIC_NAMES.map((name) => [name, totals.get(name) as number]));
    if (!Number.isFinite(out.kl)) delete out.kl;
    return out as unknown as Omit<StepMetrics, 'step'>;
  }

  /** Forward (and backward when learning) of one micro-batch; returns its metrics as one vector. */
  private microBatch(micro: readonly PreferencePair[], weight: number, learn: boolean): Tensor {
    const b = micro.length;
    const batch = collatePairs(micro, this.padToken);
    const { tokens, responseMask } = pairTensors(batch, this.context, this.device);
    const forward = () => this.model.forward(tokens);
    const logits = learn ? forward() : noGrad(forward, this.context);
    const policy = causalLogProbs(logits, tokens, responseMask);
    const chosen = (t: Tensor) => t.slice(0, 0, b);
    const rejected = (t: Tensor) => t.slice(0, b, 2 * b);
    const s = batch.length;
    const mask = responseMask.slice(1, 1, s);
    const shifted = logits.slice(1, 0, s - 1);

    let referenceSums: Tensor | undefined;
    let kl: Tensor;
    if (this.reference) {
      const reference = this.reference;
      [referenceSums, kl] = noGrad(() => {
        const refLogits = reference.forward(tokens);
        const sums = causalLogProbs(refLogits, tokens, responseMask).sum;
        // KL(p ‖ q) = Σ_v p·(log p − log q) at every response position, averaged over them.
        const logP = shifted.logSoftmax(-1);
        const perToken = logP
          .exp()
          .mul(logP.sub(refLogits.slice(1, 0, s - 1).logSoftmax(-1)))
          .sum(-1);
        const m = mask.cast(logits.dtype);
        return [sums, perToken.mul(m).sum().div(m.sum())];
      }, this.context);
    } else {
      if (this.lossType !== 'simpo') {
        const values = [...micro.map((p) => p.referenceChosen), ...micro.map((p) => p.referenceRejected)];
        referenceSums = tensor(values as number[], [2 * b], {
          dtype: logits.dtype,
          context: this.context,
          device: this.device,
        });
      }
      kl = full([], Number.NaN, { dtype: logits.dtype, context: this.context, device: this.device });
    }

    let result: PreferenceLoss;
    if (this.lossType === 'simpo') {
      result = simpoLoss(
        {
          policyChosen: chosen(policy.sum),
          policyRejected: rejected(policy.sum),
          chosenLength: chosen(policy.count),
          rejectedLength: rejected(policy.count),
        },
        { beta: this.beta, gamma: this.gamma, labelSmoothing: this.labelSmoothing },
      );
    } else {
      const ref = referenceSums as Tensor;
      result = dpoLoss(
        {
          policyChosen: chosen(policy.sum),
          policyRejected: rejected(policy.sum),
          referenceChosen: chosen(ref),
          referenceRejected: rejected(ref),
          chosenLength: chosen(policy.count),
          rejectedLength: rejected(policy.count),
        },
        { type: this.lossType, beta: this.beta, labelSmoothing: this.labelSmoothing },
      );
    }
    if (learn) backward(result.loss.mul(weight));

    return noGrad(() => {
      // Mean logit over the response tokens and the vocabulary, pooled over the rows of each side.
      const vocab = logits.shape[2];
      const maskedLogitSums = shifted.sum(-1).mul(mask.cast(logits.dtype)).sum(-1);
      const meanLogits = (rows: (t: Tensor) => Tensor) =>
        rows(maskedLogitSums).sum().div(rows(policy.count).sum().mul(vocab));
      const { chosenRewards: rc, rejectedRewards: rr } = result;
      return stack([
        result.loss,
        rc.mean(),
        rr.mean(),
        rc.gt(rr).cast(logits.dtype).mean(),
        rc.sub(rr).mean(),
        chosen(policy.sum).mean(),
        rejected(policy.sum).mean(),
        meanLogits(chosen),
        meanLogits(rejected),
        kl,
      ]);
    }, this.context);
  }
}
