import { contextOn } from '@tessera/app-kit';
import { type Context, createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Decoder, generateAsync } from '@tessera/transformer';
import { AdditionTask, VOCAB } from './addition-task.js';
import type { CliOptions } from './cli.js';
import { evaluate, train } from './train.js';

export interface RunResult {
  /** Training loss of every step. */
  losses: number[];
  /** Exact-match accuracy of greedy answers on the held-out problems. */
  accuracy: number;
  /** Wall-clock seconds of training (not evaluation or sampling). */
  trainSeconds: number;
  tokensPerSecond: number;
  /** The sampled completions shown at the end, as text. */
  samples: string[];
}

/**
 * The tiny-gpt model of the command line's options on the CPU: pre-norm RMSNorm blocks with 1-D
 * rotary positions and a SwiGLU feed-forward (the Decoder's defaults), QK-norm and learned
 * positions unless turned off.
 */
export function buildModel(o: CliOptions, task: AdditionTask, context: Context): Decoder {
  return new Decoder(
    {
      vocab: VOCAB.length,
      dim: o.dim,
      layers: o.layers,
      heads: o.heads,
      kvHeads: o['kv-heads'],
      qkNorm: !o['no-qk-norm'],
      maxLength: o['rotary-only'] ? 0 : task.sequenceLength,
      tied: o.tied,
    },
    { context },
  );
}

/**
 * Builds the task and the model, trains, evaluates and samples on `o.device`, logging what the
 * command line prints. The model is disposed before it returns. Pass a `context` that already has
 * the WebGPU backend (tests), or to count its tensors.
 */
export async function run(
  o: CliOptions,
  log: (line: string) => void,
  onStep?: (step: number, loss: number, tokensPerSecond: number) => void,
  context: Context = createContext(),
): Promise<RunResult> {
  await contextOn(o.device, { context, log });
  manualSeed(o.seed, context);
  const rng = new Rng(o.seed);
  const task = AdditionTask.create(o.digits, o.test, rng);
  // Built (and so initialized) on the CPU, then moved: the same seed gives the same start on every device.
  const model = buildModel(o, task, context);
  try {
    if (o.device !== 'cpu') model.to(o.device);
    log(
      `tiny-gpt: ${o.digits}-digit additions, ${model.numParameters()} parameters (${o.layers} layers, dim ${o.dim}, ` +
        `${o.heads} heads / ${o['kv-heads']} kv heads), ${o.steps} steps of ${o.batch} on ${o.device}`,
    );
    const losses: number[] = [];
    let tokensPerSecond = 0;
    const start = performance.now();
    await train(model, task, {
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      rng,
      autocast: o.autocast === 'off' ? undefined : o.autocast,
      onStep: (step, loss, tps) => {
        losses.push(loss);
        tokensPerSecond = tps;
        onStep?.(step, loss, tps);
      },
      onScaler: (skipped, scale) =>
        log(
          `f16 loss scaling: ${skipped} step${skipped === 1 ? '' : 's'} skipped on overflow, final scale ${scale}`,
        ),
    });
    const trainSeconds = (performance.now() - start) / 1000;
    const accuracy = await evaluate(model, task);
    log(
      `exact-match accuracy on ${task.testProblems.length} held-out problems: ${(accuracy * 100).toFixed(1)}% ` +
        `(trained in ${trainSeconds.toFixed(1)} s at ${Math.round(tokensPerSecond)} tokens/s, ` +
        `total ${((performance.now() - start) / 1000).toFixed(1)} s)`,
    );
    const shown = task.testProblems.slice(0, o.samples);
    const completions = await generateAsync(
      model,
      shown.map((p) => task.prompt(p)),
      { maxNewTokens: task.answerLength, temperature: o.temperature, topK: o['top-k'], rng },
    );
    log(`samples (temperature ${o.temperature}, top-k ${o['top-k']}; answers are reversed):`);
    const samples = shown.map((p, i) => {
      const got = task.decodeAnswer(completions[i]);
      return `${task.text(task.prompt(p))}${task.text(completions[i])}  → ${got} ${got === p.a + p.b ? '✓' : `✗ (${p.a + p.b})`}`;
    });
    for (const s of samples) log(`  ${s}`);
    return { losses, accuracy, trainSeconds, tokensPerSecond, samples };
  } finally {
    model.dispose();
  }
}
