import { backward } from '@tessera/autograd';
import { tensor, tidy } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { causalLogProbs } from '@tessera/preference';
import type { Decoder } from '@tessera/transformer';
import { ANSWER_LENGTH, type NoisyAdditions, PROMPT_LENGTH } from './noisy-additions.js';

export interface SftOptions {
  steps: number;
  batch: number;
  lr: number;
  rng: Rng;
  onStep?: (step: number, loss: number) => void;
}

/**
 * Supervised fine-tuning on the noisy teacher's examples: the mean negative log-likelihood of the
 * answer tokens (the prompt is masked out), with AdamW, warm-up and cosine decay. Returns the share of
 * the answers it was shown that were wrong.
 */
export async function supervisedFineTune(
  model: Decoder,
  task: NoisyAdditions,
  o: SftOptions,
): Promise<number> {
  const weight = model.tokenEmbedding.weight;
  const [context, device] = [weight.ctx, weight.device];
  const optimizer = new AdamW(model.parameters(), { lr: o.lr, weightDecay: 0.01, betas: [0.9, 0.98] });
  const schedule = new CosineWithWarmup(optimizer, {
    warmupSteps: Math.floor(o.steps / 10),
    totalSteps: o.steps,
    minLr: o.lr / 20,
  });
  const length = PROMPT_LENGTH + ANSWER_LENGTH;
  const answerMask = Array.from({ length }, (_, t) => (t >= PROMPT_LENGTH ? 1 : 0));
  let wrong = 0;
  try {
    for (let step = 1; step <= o.steps; step++) {
      const tokens: number[] = [];
      for (let i = 0; i < o.batch; i++) {
        const example = task.example(o.rng);
        tokens.push(...example.tokens);
        if (example.wrong) wrong++;
      }
      const loss = tidy(() => {
        const x = tensor(tokens, [o.batch, length], { dtype: 'i32', context, device });
        const mask = tensor(new Array(o.batch).fill(answerMask).flat(), [o.batch, length], {
          dtype: 'bool',
          context,
          device,
        });
        const l = causalLogProbs(model.forward(x), x, mask).sum.mean().div(-ANSWER_LENGTH);
        backward(l);
        return l;
      }, context);
      let value: number;
      try {
        value = (await loss.data())[0];
      } finally {
        loss.dispose();
      }
      optimizer.step();
      optimizer.zeroGrad();
      schedule.step();
      o.onStep?.(step, value);
    }
  } finally {
    optimizer.dispose();
  }
  return wrong / (o.steps * o.batch);
}
