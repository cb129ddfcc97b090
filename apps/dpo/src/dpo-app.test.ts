import { createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { align } from './align.js';
import { makeDecoder } from './model.js';
import {
  answerTokens,
  droppedCarry,
  isTrap,
  NoisyAdditions,
  promptTokens,
  readAnswer,
  TRAP_SHARE,
  text,
} from './noisy-additions.js';
import { ownMistakePairs } from './own-mistakes.js';

describe('noisy additions', () => {
  it('write 47 + 85 = 132 as "47+85=231" and read it back', () => {
    const p = { a: 47, b: 85 };
    expect(text([...promptTokens(p), ...answerTokens(p.a + p.b)])).toBe('47+85=231');
    expect(readAnswer(answerTokens(132))).toBe(132);
    expect(readAnswer([2, 10, 1])).toBeNaN();
  });

  it('count 21 trap pairs of units digits among 100 (units sum ≥ 13)', () => {
    let traps = 0;
    for (let x = 0; x < 10; x++) for (let y = 0; y < 10; y++) if (x + y >= 13) traps++;
    expect(traps / 100).toBe(TRAP_SHARE);
    expect(isTrap({ a: 7, b: 16 })).toBe(true);
    expect(isTrap({ a: 7, b: 15 })).toBe(false);
  });

  it('hold the test problems out and give wrong answers at the stated rate, all of them dropped carries on traps', () => {
    const task = new NoisyAdditions(500, 0.15, new Rng(1));
    const keys = (ps: { a: number; b: number }[]) => new Set(ps.map((p) => 100 * p.a + p.b));
    const test = keys(task.test);
    expect(test.size).toBe(500);
    expect(task.train.some((p) => test.has(100 * p.a + p.b))).toBe(false);
    expect(keys(task.train).size + test.size).toBe(10_000);
    const rng = new Rng(2);
    const n = 20_000;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const { problem, tokens, wrong: isWrong } = task.example(rng);
      const shown = readAnswer(tokens.slice(6));
      expect(shown === problem.a + problem.b).toBe(!isWrong);
      if (isWrong) {
        wrong++;
        expect(isTrap(problem)).toBe(true);
        expect(shown).toBe(droppedCarry(problem));
      }
    }
    // Binomial(20,000, ≈0.15 on the training problems' trap share): within 4 standard deviations (±0.010).
    expect(Math.abs(wrong / n - 0.15)).toBeLessThan(0.01);
  });

  it('reject a wrong fraction no trap set can carry', () => {
    expect(() => new NoisyAdditions(500, 0.3, new Rng(1))).toThrow(/\[0, 0.21\]/);
  });
});

describe('the alignment pipeline (tiny model, a few steps)', () => {
  const size = { dim: 8, layers: 1, heads: 2, kvHeads: 1 };

  it('builds pairs from training prompts only, correct answer chosen over the model’s wrong one', async () => {
    const context = createContext({ cpu: { threads: 1 } });
    manualSeed(3, context);
    const task = new NoisyAdditions(100, 0.1, new Rng(4));
    const model = makeDecoder(size, context); // untrained: nearly every answer is wrong
    const mistakes = await ownMistakePairs(model, task, { prompts: 40, temperature: 1, rng: new Rng(5) });
    expect(mistakes.sampled).toBe(40);
    expect(mistakes.pairs.length).toBe(mistakes.wrong);
    expect(mistakes.wrong).toBeGreaterThan(30);
    const held = new Set(task.test.map((p) => text(promptTokens(p))));
    for (const pair of mistakes.pairs) {
      expect(held.has(text(pair.prompt))).toBe(false);
      const [a, b] = [10 * pair.prompt[0] + pair.prompt[1], 10 * pair.prompt[3] + pair.prompt[4]];
      expect(readAnswer(pair.chosen)).toBe(a + b);
      expect(readAnswer(pair.rejected)).not.toBe(a + b);
    }
  });

  it('trains a policy from the starting weights and leaves the reference unchanged', async () => {
    const context = createContext({ cpu: { threads: 1 } });
    manualSeed(6, context);
    const task = new NoisyAdditions(50, 0.1, new Rng(7));
    const start = makeDecoder(size, context);
    const mistakes = await ownMistakePairs(start, task, { prompts: 16, temperature: 1, rng: new Rng(8) });
    const result = await align(
      'dpo',
      () => makeDecoder(size, context),
      start.stateDict(),
      mistakes.pairs,
      task.test,
      {
        steps: 3,
        batch: 4,
        lr: 0.01,
        seed: 9,
      },
    );
    expect(result.referenceDrift).toBe(0);
    expect(result.history.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(result.history[0].loss).toBeCloseTo(Math.LN2, 5); // the policy starts as its reference
    expect(result.history[0].kl).toBe(0);
    expect(result.history[2].kl).toBeGreaterThan(0); // the policy moved away from the reference
    expect(result.answers.length).toBe(50);
  });
});
