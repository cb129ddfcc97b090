import { noGrad, requiresGrad } from '@tessera/autograd';
import { TesseraError, tidy } from '@tessera/core';
import type { Module } from '@tessera/nn';
import { causalLogProbs } from './log-probs.js';
import {
  type CausalLM,
  collatePairs,
  type PreferencePair,
  pairTensors,
  placeOf,
  readAndDispose,
} from './pairs.js';

/**
 * The reference policy π_ref as a frozen copy of `model`: `build()` makes a fresh module of the
 * same architecture, which receives a copy of every parameter and buffer (not shared storage), has
 * gradients turned off and is put in eval mode. Run it under `noGrad` (the trainer does). Any
 * module will do, not only a `CausalLM` (a vision-language policy whose forward also takes images).
 */
export function frozenCopy<M extends Module>(model: M, build: () => M): M {
  const copy = build();
  if (copy === model)
    throw new TesseraError('frozenCopy', 'build() must return a new module, not the model itself');
  const { context } = placeOf(model, 'frozenCopy');
  noGrad(
    () =>
      tidy(() => {
        copy.loadStateDict(new Map([...model.stateDict()].map(([name, t]) => [name, t.clone()])));
      }, context),
    context,
  );
  for (const p of copy.parameters()) requiresGrad(p, false);
  return copy.eval();
}

export interface PrecomputeOptions {
  /** Pairs per forward pass (default 32). */
  batchSize?: number;
  /** The padding token (default 0; it is masked out). */
  padToken?: number;
}

/**
 * Runs the reference once over the dataset, without gradients, and returns the pairs with
 * `referenceChosen` and `referenceRejected` (summed log-probabilities of each response) filled in.
 * A trainer without a reference model reads them instead of running one: the losses are the same.
 */
export async function precomputeReferenceLogProbs(
  reference: CausalLM,
  pairs: readonly PreferencePair[],
  options: PrecomputeOptions = {},
): Promise<PreferencePair[]> {
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new TesseraError(
      'precomputeReferenceLogProbs',
      `batchSize must be a positive integer, got ${batchSize}`,
    );
  }
  const { context, device } = placeOf(reference, 'precomputeReferenceLogProbs');
  const out: PreferencePair[] = [];
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const batch = collatePairs(chunk, options.padToken);
    const sums = noGrad(
      () =>
        tidy(() => {
          const { tokens, responseMask } = pairTensors(batch, context, device);
          return causalLogProbs(reference.forward(tokens), tokens, responseMask).sum;
        }, context),
      context,
    );
    const values = await readAndDispose(sums);
    chunk.forEach((p, j) => {
      out.push({ ...p, referenceChosen: values[j], referenceRejected: values[chunk.length + j] });
    });
  }
  return out;
}
