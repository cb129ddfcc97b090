import { backward } from '@tessera/autograd';
import { autocast, type Context, type Tensor, tensor, tidy } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import { crossEntropy } from '@tessera/nn';
import { AdamW, CosineWithWarmup, DynamicLossScaler } from '@tessera/optim';
import { type Decoder, generateAsync } from '@tessera/transformer';
import { readMany } from '@tessera/webgpu';
import type { AdditionTask } from './addition-task.js';

/** Marks a target position the loss skips (the prompt: only answers are learned). */
const IGNORE = -100;

/** Steps between loss reads on an asynchronously read device (one buffer map for all of them). */
const READ_EVERY = 5;

/** Steps between yields to the event loop on the CPU. */
const YIELD_EVERY = 25;

export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  /** Draws the training problems. */
  rng: Rng;
  /**
   * Called for every step, in order, once its loss is read: at once on the CPU, in groups of a few
   * steps on WebGPU (tokens/s is measured when the group is read).
   */
  onStep?: (step: number, loss: number, tokensPerSecond: number) => void;
  /**
   * Mixed precision: the forward pass runs under `autocast` with this half type (the parameters
   * stay f32). f16 also scales the loss dynamically and skips steps whose gradients overflow.
   */
  autocast?: 'f16' | 'bf16';
  /** Called with the number of skipped steps and the final loss scale when an f16 run ends. */
  onScaler?: (skipped: number, scale: number) => void;
}

/**
 * Step losses, read back. The CPU reads synchronously; a WebGPU read waits for the queue, so losses
 * there are collected and read with one map for several steps.
 */
async function readLosses(losses: Tensor[]): Promise<number[]> {
  if (losses.every((l) => l.device === 'cpu')) return losses.map((l) => l.itemSync());
  return (await readMany(losses)).map((d) => Number(d[0]));
}

/**
 * Next-token training on the answer digits: inputs are a problem's tokens but the last, targets
 * the tokens after, with prompt positions ignored. AdamW with warm-up and cosine decay. Runs where
 * the model's parameters are; returns the last step's loss.
 */
export async function train(model: Decoder, task: AdditionTask, options: TrainOptions): Promise<number> {
  const ctx: Context = model.tokenEmbedding.weight.ctx;
  const device = model.tokenEmbedding.weight.device;
  const optimizer = new AdamW(model.parameters(), { lr: options.lr, weightDecay: 0.01, betas: [0.9, 0.98] });
  const schedule = new CosineWithWarmup(optimizer, {
    warmupSteps: Math.min(100, Math.floor(options.steps / 10)),
    totalSteps: options.steps,
    minLr: options.lr / 20,
  });
  const scaler =
    options.autocast === 'f16'
      ? new DynamicLossScaler({ initScale: 2 ** 12, growthInterval: 200 })
      : undefined;
  const len = task.sequenceLength - 1;
  const start = performance.now();
  let loss = Number.NaN;
  let read = 0;
  // Loss tensors not read yet (only ever more than one on an asynchronously read device).
  const unread: Tensor[] = [];
  const readUnread = async (): Promise<void> => {
    const losses = await readLosses(unread);
    for (const l of unread) l.dispose();
    unread.length = 0;
    const tps = ((read + losses.length) * options.batch * len) / ((performance.now() - start) / 1000);
    for (const l of losses) {
      loss = l;
      options.onStep?.(++read, loss, tps);
    }
  };
  try {
    for (let step = 1; step <= options.steps; step++) {
      const inputs: number[] = [];
      const targets: number[] = [];
      for (let i = 0; i < options.batch; i++) {
        const seq = task.encode(task.sample(options.rng));
        inputs.push(...seq.slice(0, len));
        for (let pos = 1; pos < seq.length; pos++) targets.push(pos >= task.promptLength ? seq[pos] : IGNORE);
      }
      unread.push(
        tidy(() => {
          const x = tensor(inputs, [options.batch, len], { dtype: 'i32', context: ctx, device });
          const y = tensor(targets, [options.batch * len], { dtype: 'i32', context: ctx, device });
          const loss = () => {
            const logits = model.forward(x).reshape([options.batch * len, model.config.vocab]);
            return crossEntropy(logits, y, { ignoreIndex: IGNORE });
          };
          const l = options.autocast ? autocast(loss, { dtype: options.autocast, context: ctx }) : loss();
          backward(scaler ? scaler.scaleLoss(l) : l);
          return l;
        }, ctx),
      );
      if (scaler) scaler.step(optimizer);
      else optimizer.step();
      optimizer.zeroGrad();
      schedule.step();
      // Every few steps at the latest, which also bounds how far the host runs ahead of the GPU.
      if (device === 'cpu' || step % READ_EVERY === 0 || step === options.steps) await readUnread();
      // A CPU step never leaves the microtask queue: give timers and I/O (a test runner's RPC, a
      // progress bar's output) a turn now and then.
      if (device === 'cpu' && step % YIELD_EVERY === 0) await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    for (const l of unread) l.dispose();
    optimizer.dispose();
  }
  if (scaler) options.onScaler?.(scaler.skipped, scaler.scale);
  return loss;
}

/** Exact-match accuracy of greedy answers on the task's held-out problems. */
export async function evaluate(model: Decoder, task: AdditionTask, batch = 250): Promise<number> {
  model.eval();
  let correct = 0;
  try {
    for (let i = 0; i < task.testProblems.length; i += batch) {
      const problems = task.testProblems.slice(i, i + batch);
      const answers = await generateAsync(
        model,
        problems.map((p) => task.prompt(p)),
        { maxNewTokens: task.answerLength },
      );
      problems.forEach((p, j) => {
        if (task.decodeAnswer(answers[j]) === p.a + p.b) correct++;
      });
    }
  } finally {
    model.train();
  }
  return correct / task.testProblems.length;
}
