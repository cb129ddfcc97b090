import { backward } from '@tessera/autograd';
import { type Context, tensor, tidy } from '@tessera/core';
import { crossEntropy } from '@tessera/nn';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import type { AdditionTask } from './addition-task.js';
import { generate } from './sample.js';
import type { TinyGpt } from './tiny-gpt.js';

/** Marks a target position the loss skips (the prompt: only answers are learned). */
const IGNORE = -100;

export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  random: () => number;
  onStep?: (step: number, loss: number, tokensPerSecond: number) => void;
}

/**
 * Next-token training on the answer digits: inputs are a problem's tokens but the last, targets
 * the tokens after, with prompt positions ignored. AdamW with warm-up and cosine decay.
 */
export function train(model: TinyGpt, task: AdditionTask, options: TrainOptions): number {
  const ctx: Context = model.embed.weight.ctx;
  const device = model.embed.weight.device;
  const optimizer = new AdamW(model.parameters(), { lr: options.lr, weightDecay: 0.01, betas: [0.9, 0.98] });
  const schedule = new CosineWithWarmup(optimizer, {
    warmupSteps: Math.min(100, Math.floor(options.steps / 10)),
    totalSteps: options.steps,
    minLr: options.lr / 20,
  });
  const len = task.sequenceLength - 1;
  const start = performance.now();
  let tokens = 0;
  let loss = Number.NaN;
  for (let step = 1; step <= options.steps; step++) {
    const inputs: number[] = [];
    const targets: number[] = [];
    for (let i = 0; i < options.batch; i++) {
      const seq = task.encode(task.sample(options.random));
      inputs.push(...seq.slice(0, len));
      for (let pos = 1; pos < seq.length; pos++) targets.push(pos >= task.promptLength ? seq[pos] : IGNORE);
    }
    loss = tidy(() => {
      const x = tensor(inputs, [options.batch, len], { dtype: 'i32', context: ctx, device });
      const y = tensor(targets, [options.batch * len], { dtype: 'i32', context: ctx, device });
      const logits = model.forward(x).reshape([options.batch * len, model.config.vocab]);
      const l = crossEntropy(logits, y, { ignoreIndex: IGNORE });
      backward(l);
      return l.itemSync();
    }, ctx);
    optimizer.step();
    optimizer.zeroGrad();
    schedule.step();
    tokens += options.batch * len;
    options.onStep?.(step, loss, tokens / ((performance.now() - start) / 1000));
  }
  return loss;
}

/** Exact-match accuracy of greedy answers on the task's held-out problems. */
export function evaluate(model: TinyGpt, task: AdditionTask, batch = 250): number {
  model.eval();
  let correct = 0;
  for (let i = 0; i < task.testProblems.length; i += batch) {
    const problems = task.testProblems.slice(i, i + batch);
    const answers = generate(
      model,
      problems.map((p) => task.prompt(p)),
      task.answerLength,
    );
    problems.forEach((p, j) => {
      if (task.decodeAnswer(answers[j]) === p.a + p.b) correct++;
    });
  }
  model.train();
  return correct / task.testProblems.length;
}
