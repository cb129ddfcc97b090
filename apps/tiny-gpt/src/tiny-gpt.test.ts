import { KVCache } from '@tessera/attention';
import { createContext, manualSeed, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { AdditionTask, seededRandom, VOCAB } from './addition-task.js';
import { pickToken } from './sample.js';
import { TinyGpt } from './tiny-gpt.js';
import { train } from './train.js';

describe('the addition task', () => {
  it('writes zero-padded operands and the reversed sum', () => {
    const task = new AdditionTask(3, []);
    const p = { a: 47, b: 385 };
    expect(task.text(task.encode(p))).toBe('047+385=2340');
    expect(task.decodeAnswer(task.answer(p))).toBe(432);
    expect(task.sequenceLength).toBe(12);
  });

  it('never trains on a held-out problem', () => {
    const random = seededRandom(1);
    const task = AdditionTask.create(1, 40, random);
    expect(task.testProblems.length).toBe(40);
    for (let i = 0; i < 2000; i++) expect(task.isHeldOut(task.sample(random))).toBe(false);
  });
});

describe('TinyGpt', () => {
  const make = () => {
    const context = createContext();
    manualSeed(2, context);
    const model = new TinyGpt(
      {
        vocab: VOCAB.length,
        dim: 16,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        qkNorm: true,
        tied: false,
        maxLength: 16,
      },
      { context },
    );
    return { context, model };
  };

  it('KV-cache decoding gives the logits of recomputing the full sequence', () => {
    const { context, model } = make();
    const seq = [1, 2, 3, 10, 4, 5, 6, 11, 7, 9];
    const full = tidy(
      () => Array.from(model.forward(tensor(seq, [1, seq.length], { dtype: 'i32', context })).dataSync()),
      context,
    );
    const cache = new KVCache(2);
    const steps: number[] = [];
    for (const [a, b] of [
      [0, 8],
      [8, 9],
      [9, 10],
    ]) {
      const logits = tidy(
        () =>
          Array.from(
            model.forward(tensor(seq.slice(a, b), [1, b - a], { dtype: 'i32', context }), cache).dataSync(),
          ),
        context,
      );
      steps.push(...logits);
    }
    expect(steps.length).toBe(full.length);
    steps.forEach((x, i) => {
      expect(x).toBeCloseTo(full[i], 4);
    });
    cache.dispose();
  });

  it('training lowers the loss', async () => {
    const { model } = make();
    const task = AdditionTask.create(1, 10, seededRandom(3));
    const losses: number[] = [];
    await train(model, task, {
      steps: 30,
      batch: 16,
      lr: 1e-2,
      random: seededRandom(4),
      onStep: (_, l) => losses.push(l),
    });
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
  });
});

describe('sampling', () => {
  it('temperature 0 is argmax; top-k keeps only the k best', () => {
    expect(pickToken([0.1, 3, -1, 2], {})).toBe(1);
    const random = seededRandom(9);
    for (let i = 0; i < 200; i++)
      expect([1, 3]).toContain(pickToken([0.1, 3, -1, 2], { temperature: 5, topK: 2, random }));
  });
});
