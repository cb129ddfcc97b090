import { type Context, randn, type Tensor, tidy } from '@tessera/core';
import { Module } from '@tessera/nn';

/**
 * The smallest causal language model, for tests: the logits of the next token are a row of a
 * learned table picked by the current token, so log-probabilities can be written out by hand.
 */
export class Bigram extends Module {
  readonly table: Tensor;

  constructor(
    readonly vocab: number,
    context: Context,
    scale = 1,
  ) {
    super();
    this.table = this.registerParameter(
      'table',
      tidy(() => randn([vocab, vocab], { context }).mul(scale), context),
    );
  }

  forward(tokens: Tensor): Tensor {
    const [b, s] = tokens.shape;
    return this.table.indexSelect(0, tokens.reshape([b * s])).reshape([b, s, this.vocab]);
  }

  /** The table as plain numbers. */
  rows(): number[][] {
    return this.table.arraySync() as number[][];
  }
}

/** log softmax(row) by the textbook formula. */
export function naiveLogSoftmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((acc, x) => acc + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

/** Σ log p(response token | previous token) under a bigram table, in plain numbers. */
export function naiveResponseLogProb(
  table: number[][],
  prompt: readonly number[],
  response: readonly number[],
): number {
  const seq = [...prompt, ...response];
  let sum = 0;
  for (let t = prompt.length; t < seq.length; t++) sum += naiveLogSoftmax(table[seq[t - 1]])[seq[t]];
  return sum;
}
