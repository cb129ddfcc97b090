import { AdditionTask, VOCAB } from '@tessera/app-tiny-gpt/addition-task';
import { evaluate, train } from '@tessera/app-tiny-gpt/train';
import { KVCache } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import { type Context, manualSeed, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Decoder } from '@tessera/transformer';
import type { DecodedToken, GptTrainRequest, GptTrainResult, TrainProgress } from './protocol.js';

/** Operand digits of the page's task (the tiny-gpt app's default). */
const DIGITS = 2;
/** Held-out problems for the exact-match accuracy (the app's default, so a seed draws the app's problems). */
const HELD_OUT = 500;

/**
 * The tiny GPT of apps/tiny-gpt, trained in the page: its addition task and training loop, a
 * `@tessera/transformer` Decoder with the app's defaults (2 blocks of width 48, 4 query and 2
 * key/value heads, QK-norm, rotary plus learned positions), then greedy answers decoded one token at a time with a KV cache.
 */
export class TinyGptTrainer {
  private model: Decoder | undefined;
  private task: AdditionTask | undefined;

  constructor(
    private readonly context: Context,
    private readonly device: 'cpu' | 'webgpu',
  ) {}

  async train(r: GptTrainRequest, onProgress: (p: TrainProgress) => void): Promise<GptTrainResult> {
    const { context, device } = this;
    this.model?.dispose();
    this.model = undefined;
    manualSeed(r.seed, context);
    const rng = new Rng(r.seed);
    const task = AdditionTask.create(DIGITS, HELD_OUT, rng);
    // Built (and so initialized) on the CPU, then moved, as the app does.
    const model = new Decoder(
      {
        vocab: VOCAB.length,
        dim: 48,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        qkNorm: true,
        maxLength: task.sequenceLength,
      },
      { context },
    );
    if (device !== 'cpu') model.to(device);
    const start = performance.now();
    await train(model, task, {
      steps: r.steps,
      batch: r.batch,
      lr: r.lr,
      rng,
      onStep: (step, loss, rate) => onProgress({ step, total: r.steps, loss, rate }),
    });
    const seconds = (performance.now() - start) / 1000;
    const accuracy = await evaluate(model, task);
    model.eval();
    this.model = model;
    this.task = task;
    return { accuracy, heldOut: task.testProblems.length, parameters: model.numParameters(), seconds };
  }

  /**
   * Greedy decoding of a + b, one token per step: the prompt runs once and fills the KV cache;
   * each later step feeds only the newest token and attends over the cache.
   */
  async decode(
    a: number,
    b: number,
    onToken: (t: DecodedToken) => void,
  ): Promise<{ prompt: string; answer: string; sum: number }> {
    const { model, task, context } = this;
    if (!model || !task) throw new Error('tiny GPT: train the model first');
    const limit = 10 ** task.digits;
    if (![a, b].every((x) => Number.isInteger(x) && x >= 0 && x < limit)) {
      throw new Error(`tiny GPT: both numbers must be integers from 0 to ${limit - 1}, got ${a} and ${b}`);
    }
    const problem = { a, b };
    const cache = new KVCache(model.config.layers);
    const answer: number[] = [];
    try {
      let input = task.prompt(problem);
      for (let i = 0; i < task.answerLength; i++) {
        const start = performance.now();
        const logits = noGrad(
          () =>
            tidy(() => {
              const tokens = tensor(input, [1, input.length], { dtype: 'i32', context, device: this.device });
              return model
                .forward(tokens, { cache })
                .slice(1, input.length - 1, input.length)
                .contiguous();
            }, context),
          context,
        );
        const values = await logits.data();
        logits.dispose();
        let best = 0;
        for (let t = 1; t < values.length; t++) if (values[t] > values[best]) best = t;
        answer.push(best);
        onToken({ token: VOCAB[best], ms: performance.now() - start, cached: cache.length });
        input = [best];
      }
    } finally {
      cache.dispose();
    }
    return {
      prompt: task.text(task.prompt(problem)),
      answer: task.text(answer),
      sum: task.decodeAnswer(answer),
    };
  }
}
