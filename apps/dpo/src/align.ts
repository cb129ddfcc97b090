import { noGrad } from '@tessera/autograd';
import { type Context, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { Adam } from '@tessera/optim';
import {
  frozenCopy,
  type PreferenceLossType,
  type PreferencePair,
  PreferenceTrainer,
  type StepMetrics,
} from '@tessera/preference';
import type { Decoder } from '@tessera/transformer';
import { type Accuracy, evaluate } from './evaluate.js';
import { type Problem, promptTokens } from './noisy-additions.js';

/**
 * The three methods the app compares: trainer settings and Adam's learning rate, picked by a small
 * sweep (README). SimPO has no reference to hold it back, so it takes the smaller step.
 */
export const METHODS = {
  dpo: { loss: 'sigmoid', beta: 1, lr: 3e-5 },
  ipo: { loss: 'ipo', beta: 0.5, lr: 3e-5 },
  simpo: { loss: 'simpo', beta: 2, gamma: 1, lr: 1e-5 },
} as const satisfies Record<string, { loss: PreferenceLossType; beta: number; gamma?: number; lr: number }>;

export type Method = keyof typeof METHODS;

export interface AlignOptions {
  steps: number;
  batch: number;
  seed: number;
  /** Overrides the method's learning rate. */
  lr?: number;
  /** Overrides the method's β. */
  beta?: number;
  onStep?: (metrics: StepMetrics) => void;
}

export interface Alignment {
  method: Method;
  history: StepMetrics[];
  /** Held-out accuracy after training. */
  accuracy: Accuracy;
  /** Greedy answers to the held-out problems after training. */
  answers: number[][];
  /** Largest |Δ| between the reference's logits on the probe prompts before and after training (must be 0). */
  referenceDrift: number;
  seconds: number;
}

/** The reference's logits on the probe prompts, as plain numbers. */
function probeLogits(reference: Decoder, probe: readonly Problem[], context: Context): Float32Array {
  const logits = noGrad(
    () =>
      tidy(() => {
        const tokens = tensor(probe.flatMap(promptTokens), [probe.length, 6], { dtype: 'i32', context });
        return reference.forward(tokens);
      }, context),
    context,
  );
  try {
    return logits.dataSync() as Float32Array;
  } finally {
    logits.dispose();
  }
}

/**
 * Trains a copy of the starting model with one method: the policy and its frozen reference both
 * start from `start` (the fine-tuned weights), the seed fixes the order of the pairs, and the
 * reference's logits on held-out prompts are compared before and after (the app fails if they moved).
 */
export async function align(
  method: Method,
  build: () => Decoder,
  start: Map<string, Tensor>,
  pairs: readonly PreferencePair[],
  test: readonly Problem[],
  o: AlignOptions,
): Promise<Alignment> {
  const began = performance.now();
  const policy = build();
  const context = policy.tokenEmbedding.weight.ctx;
  manualSeed(o.seed, context);
  policy.loadStateDict(start);
  const reference = frozenCopy(policy, build);
  const probe = test.slice(0, 64);
  const before = probeLogits(reference, probe, context);
  const { lr, ...settings } = METHODS[method];
  const optimizer = new Adam(policy.parameters(), { lr: o.lr ?? lr });
  try {
    const trainer = new PreferenceTrainer({
      model: policy,
      reference,
      optimizer,
      ...settings,
      beta: o.beta ?? settings.beta,
    });
    const history = await trainer.train(pairs, {
      steps: o.steps,
      batchSize: Math.min(o.batch, pairs.length),
      seed: o.seed,
      onStep: o.onStep,
    });
    const after = probeLogits(reference, probe, context);
    let referenceDrift = 0;
    before.forEach((x, i) => {
      referenceDrift = Math.max(referenceDrift, Math.abs(x - after[i]));
    });
    const { accuracy, answers } = await evaluate(policy, test);
    return {
      method,
      history,
      accuracy,
      answers,
      referenceDrift,
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    optimizer.dispose();
    policy.dispose();
    reference.dispose();
  }
}
