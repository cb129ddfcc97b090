import { createContext, manualSeed, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { exportOnnx } from '@tessera/onnx';
import { maxAbsDifference, runOnnx } from '@tessera/onnx/testing';
import { generateAsync } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import { AdditionTask } from './addition-task.js';
import { parseCli } from './cli.js';
import { buildModel } from './run.js';
import { train } from './train.js';

describe('tiny-gpt exported to ONNX', () => {
  it('gives the logits of Tessera in onnxruntime within 1e-4, and the same greedy answers', async () => {
    // The app's default model (dim 48, 2 blocks, 4 heads / 2 kv heads, QK-norm, learned positions),
    // trained briefly so that its answers are not uniform.
    const o = parseCli([]);
    const context = createContext();
    manualSeed(o.seed, context);
    const rng = new Rng(o.seed);
    const task = AdditionTask.create(o.digits, 32, rng);
    const model = buildModel(o, task, context);
    await train(model, task, { steps: 30, batch: 32, lr: o.lr, rng });
    model.eval();

    // Whole problems but the last token, as in training: [batch, sequenceLength − 1] → logits.
    const batch = task.testProblems.length;
    const length = task.sequenceLength - 1;
    const bytes = exportOnnx(model, {
      inputs: [{ name: 'tokens', shape: [batch, length], dtype: 'i32' }],
      outputNames: ['logits'],
    });
    const rows = task.testProblems.map((p) => task.encode(p).slice(0, length));
    const tokens = tensor(rows.flat(), [batch, length], { dtype: 'i32', context });
    const { logits } = await runOnnx(bytes, { tokens });
    const diff = maxAbsDifference(logits.data, model.forward(tokens).dataSync());
    console.log(
      `tiny-gpt: max |onnxruntime − tessera| over ${batch}×${length} logits = ${diff.toExponential(2)}`,
    );
    expect(logits.shape).toEqual([batch, length, 12]);
    expect(diff).toBeLessThan(1e-4);

    // Greedy decoding with the fixed-shape ONNX model: causal attention makes the logits at
    // position p depend on tokens ≤ p only, so the answer is filled in one position per run.
    const filled = task.testProblems.map((p) => [
      ...task.prompt(p),
      ...new Array(length - task.promptLength).fill(0),
    ]);
    const vocab = 12;
    for (let step = 0; step < task.answerLength; step++) {
      const out = await runOnnx(bytes, {
        tokens: tensor(filled.flat(), [batch, length], { dtype: 'i32', context }),
      });
      const pos = task.promptLength - 1 + step;
      filled.forEach((row, b) => {
        const at = out.logits.data.slice((b * length + pos) * vocab, (b * length + pos + 1) * vocab);
        const next = at.indexOf(Math.max(...at));
        if (pos + 1 < length) row[pos + 1] = next;
        else row.push(next);
      });
    }
    const onnxAnswers = filled.map((row) =>
      row.slice(task.promptLength, task.promptLength + task.answerLength),
    );
    const ours = await generateAsync(
      model,
      task.testProblems.map((p) => task.prompt(p)),
      { maxNewTokens: task.answerLength },
    );
    expect(onnxAnswers).toEqual(ours);
    model.dispose();
  });
});
