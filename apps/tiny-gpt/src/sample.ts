import { KVCache } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import { type Tensor, tensor, tidy } from '@tessera/core';
import type { TinyGpt } from './tiny-gpt.js';

export interface SampleOptions {
  /** 0 (default) picks the most likely token; above 0 samples from softmax(logits / T). */
  temperature?: number;
  /** Sample only among the k most likely tokens (default: all). */
  topK?: number;
  /** Uniform [0, 1) numbers for sampling. */
  random?: () => number;
}

/** Picks a token from one row of logits. */
export function pickToken(logits: ArrayLike<number>, options: SampleOptions): number {
  const t = options.temperature ?? 0;
  const order = Array.from(logits, (x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]);
  if (t <= 0) return order[0][1];
  const top = order.slice(0, options.topK ?? order.length);
  const weights = top.map(([x]) => Math.exp((x - top[0][0]) / t));
  let u = (options.random ?? Math.random)() * weights.reduce((a, w) => a + w, 0);
  for (let i = 0; i < top.length; i++) {
    u -= weights[i];
    if (u <= 0) return top[i][1];
  }
  return top[top.length - 1][1];
}

/**
 * Continues equal-length prompts by `steps` tokens each, a whole batch in lockstep. The prompt
 * runs once; every later step feeds only the new token and attends over the KV cache, so no
 * past key or value is recomputed. Each step reads the last position's logits back (one read of
 * [batch, vocab] per token: asynchronous on WebGPU) and picks the next tokens on the host.
 */
export async function generate(
  model: TinyGpt,
  prompts: number[][],
  steps: number,
  options: SampleOptions = {},
): Promise<number[][]> {
  const ctx = model.embed.weight.ctx;
  const device = model.embed.weight.device;
  const b = prompts.length;
  const vocab = model.config.vocab;
  const cache = new KVCache(model.config.layers);
  const out = prompts.map(() => [] as number[]);
  if (b === 0) return out;
  try {
    let input: number[][] = prompts;
    for (let step = 0; step < steps; step++) {
      const lastLogits = noGrad(
        () =>
          tidy(() => {
            const tokens = tensor(input.flat(), [b, input[0].length], { dtype: 'i32', context: ctx, device });
            const logits: Tensor = model.forward(tokens, cache);
            const s = logits.shape[1];
            return logits.slice(1, s - 1, s).contiguous();
          }, ctx),
        ctx,
      );
      let last: Float32Array;
      try {
        last = (await lastLogits.data()) as Float32Array;
      } finally {
        lastLogits.dispose();
      }
      input = out.map((seq, i) => {
        const token = pickToken(last.subarray(i * vocab, (i + 1) * vocab), options);
        seq.push(token);
        return [token];
      });
    }
  } finally {
    cache.dispose();
  }
  return out;
}
