import { type Context, type Tensor, TesseraError, tensor } from '@tessera/core';
import type { Module } from '@tessera/nn';

/** A causal language model: tokens [b, s] (i32) → next-token logits [b, s, vocab]. */
export type CausalLM = Module & { forward(tokens: Tensor): Tensor };

/** One preference example: a prompt and two responses to it, the chosen one preferred. */
export interface PreferencePair {
  prompt: readonly number[];
  chosen: readonly number[];
  rejected: readonly number[];
  /** log π_ref(chosen | prompt), when computed once ahead (`precomputeReferenceLogProbs`). */
  referenceChosen?: number;
  /** log π_ref(rejected | prompt), when computed once ahead. */
  referenceRejected?: number;
}

/**
 * Pairs laid out for one forward pass: 2b rows of prompt + response, right-padded to a common
 * length, the b chosen rows first and then the b rejected ones (the order of the pairs).
 */
export interface CollatedPairs {
  /** Pairs in the batch (b). */
  pairs: number;
  /** Tokens per row (s). */
  length: number;
  /** [2b, s] row-major tokens. */
  tokens: number[];
  /** [2b, s] 1 at response tokens, 0 at the prompt and the padding. */
  responseMask: number[];
}

/** Lays out pairs as `CollatedPairs`, padding with `padToken` (default 0; padding is masked out). */
export function collatePairs(pairs: readonly PreferencePair[], padToken = 0): CollatedPairs {
  if (pairs.length === 0) throw new TesseraError('collatePairs', 'need at least one pair');
  pairs.forEach((p, i) => {
    if (p.prompt.length === 0) {
      throw new TesseraError(
        'collatePairs',
        `pair ${i} has an empty prompt: a causal model needs a token before the response`,
      );
    }
    if (p.chosen.length === 0 || p.rejected.length === 0) {
      throw new TesseraError(
        'collatePairs',
        `pair ${i} has an empty response (chosen ${p.chosen.length}, rejected ${p.rejected.length} tokens)`,
      );
    }
    for (const t of [...p.prompt, ...p.chosen, ...p.rejected]) {
      if (!(Number.isInteger(t) && t >= 0)) {
        throw new TesseraError(
          'collatePairs',
          `pair ${i} has token ${t}; tokens must be non-negative integers`,
        );
      }
    }
  });
  const rows = [...pairs.map((p) => [p.prompt, p.chosen]), ...pairs.map((p) => [p.prompt, p.rejected])];
  const length = Math.max(...rows.map(([prompt, response]) => prompt.length + response.length));
  const tokens: number[] = [];
  const responseMask: number[] = [];
  for (const [prompt, response] of rows) {
    const pad = length - prompt.length - response.length;
    tokens.push(...prompt, ...response, ...new Array<number>(pad).fill(padToken));
    responseMask.push(
      ...new Array<number>(prompt.length).fill(0),
      ...new Array<number>(response.length).fill(1),
      ...new Array<number>(pad).fill(0),
    );
  }
  return { pairs: pairs.length, length, tokens, responseMask };
}

/** The collated tokens (i32) and response mask (bool), [2b, s] each, on the given context and device. */
export function pairTensors(
  batch: CollatedPairs,
  context: Context,
  device: string,
): { tokens: Tensor; responseMask: Tensor } {
  const shape = [2 * batch.pairs, batch.length];
  return {
    tokens: tensor(batch.tokens, shape, { dtype: 'i32', context, device }),
    responseMask: tensor(batch.responseMask, shape, { dtype: 'bool', context, device }),
  };
}

/** Where a model's parameters live: its context and device. */
export function placeOf(model: Module, op: string): { context: Context; device: string } {
  const p = model.parameters()[0];
  if (!p) throw new TesseraError(op, `the model (${model.constructor.name}) has no parameters`);
  return { context: p.ctx, device: p.device };
}

/** Reads a tensor's values back (on any device) and disposes it. */
export async function readAndDispose(t: Tensor): Promise<ArrayLike<number>> {
  try {
    return (await t.data()) as ArrayLike<number>;
  } finally {
    t.dispose();
  }
}
