import { createContext, manualSeed } from '@tessera/core';
import { AdditionTask, seededRandom, VOCAB } from './addition-task.js';
import { parseCli, USAGE } from './cli.js';
import { ProgressBar } from './progress.js';
import { generate } from './sample.js';
import { TinyGpt } from './tiny-gpt.js';
import { evaluate, train } from './train.js';

function main(argv: readonly string[]): void {
  const o = parseCli(argv);
  if (o.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (o.device === 'webgpu') {
    // The WebGPU backend (@tessera/webgpu) is not part of this build yet.
    console.error(
      'tiny-gpt: --device webgpu needs @tessera/webgpu, which this build does not include; use --device cpu',
    );
    process.exitCode = 2;
    return;
  }
  const context = createContext();
  manualSeed(o.seed, context);
  const random = seededRandom(o.seed);
  const task = AdditionTask.create(o.digits, o.test, random);
  const model = new TinyGpt(
    {
      vocab: VOCAB.length,
      dim: o.dim,
      layers: o.layers,
      heads: o.heads,
      kvHeads: o.kvHeads,
      qkNorm: o.qkNorm,
      maxLength: o.learnedPositions ? task.sequenceLength : 0,
      tied: o.tied,
    },
    { context },
  );
  console.log(
    `tiny-gpt: ${o.digits}-digit additions, ${model.numParameters()} parameters (${o.layers} layers, dim ${o.dim}, ` +
      `${o.heads} heads / ${o.kvHeads} kv heads), ${o.steps} steps of ${o.batch} on ${o.device}`,
  );
  const bar = new ProgressBar(o.steps);
  const start = performance.now();
  let smoothed = Number.NaN;
  train(model, task, {
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    random,
    onStep: (step, loss, tps) => {
      smoothed = Number.isNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
      bar.update(step, `loss ${smoothed.toFixed(3)}  ${Math.round(tps)} tokens/s`);
    },
  });
  const trainSeconds = (performance.now() - start) / 1000;
  const accuracy = evaluate(model, task);
  console.log(
    `exact-match accuracy on ${task.testProblems.length} held-out problems: ${(accuracy * 100).toFixed(1)}% ` +
      `(trained in ${trainSeconds.toFixed(1)} s, total ${((performance.now() - start) / 1000).toFixed(1)} s)`,
  );
  const shown = task.testProblems.slice(0, o.samples);
  const completions = generate(
    model,
    shown.map((p) => task.prompt(p)),
    task.answerLength,
    { temperature: o.temperature, topK: o.topK, random },
  );
  console.log(`samples (temperature ${o.temperature}, top-k ${o.topK}; answers are reversed):`);
  shown.forEach((p, i) => {
    const got = task.decodeAnswer(completions[i]);
    console.log(
      `  ${task.text(task.prompt(p))}${task.text(completions[i])}  → ${got} ${got === p.a + p.b ? '✓' : `✗ (${p.a + p.b})`}`,
    );
  });
}

main(process.argv.slice(2));
