import { createContext, manualSeed } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import type { Screenshot } from './env.js';
import { GuiPolicy, imageTensor, type PolicyConfig, promptTokens } from './policy.js';
import { BOS, EOS, encode, PAD } from './tokenizer.js';
import { behaviourCloning, dpoRound, makeBatch } from './train.js';

const TINY: PolicyConfig = {
  patch: 4,
  vitDim: 16,
  vitLayers: 1,
  vitHeads: 2,
  dim: 32,
  layers: 1,
  heads: 2,
  goalTokens: 12,
  maxResponse: 40,
  pointer: true,
  goalFilm: true,
};

/** A 32×24 screenshot (small, for speed; the model takes any size), white with one coloured 6×3 block at (x, y). */
function shot(x: number, y: number, rgb: [number, number, number]): Screenshot {
  const px = new Uint8Array(32 * 24 * 3).fill(255);
  for (let j = y; j < y + 3; j++) for (let i = x; i < x + 6; i++) px.set(rgb, (j * 32 + i) * 3);
  return { width: 32, height: 24, rgb: px };
}

describe('policy batches', () => {
  it('left-pads the goal, scores only the response and its end token', () => {
    const ctx = createContext();
    const text = "Thought: I click.\nAction: click(start_box='(3,4)')";
    const b = makeBatch([{ shot: shot(0, 0, [255, 0, 0]), goal: 'click the red button', text }], TINY, ctx);
    const goal = encode('click the red button');
    const response = [...encode(text), EOS];
    const prompt = [...new Array(12 - goal.length).fill(PAD), ...goal, BOS];
    expect(promptTokens('click the red button', TINY)).toEqual(prompt);
    expect(Array.from(b.text.dataSync())).toEqual([...prompt, ...response]);
    // Position t predicts token t + 1: the targets are the response (from the <bos> position on).
    const targets = Array.from(b.targets.dataSync());
    expect(targets).toEqual([...new Array(12).fill(-100), ...response, -100]);
    expect(Array.from(b.mask.dataSync())).toEqual([
      ...new Array(13).fill(0),
      ...new Array(response.length).fill(1),
    ]);
    expect(b.images[0].shape).toEqual([3, 24, 32]);
  });

  it('leaves the coordinate tokens out of the mask when asked (the text-only DPO term)', () => {
    const ctx = createContext();
    const text = "Action: click(start_box='(3,41)')";
    const b = makeBatch(
      [{ shot: shot(0, 0, [255, 0, 0]), goal: 'click the red button', text }],
      TINY,
      ctx,
      false,
      false,
    );
    const response = [...encode(text), EOS];
    // Coordinate tokens are the ids of the strings '0'…'99'.
    const numbers = new Set([encode('3')[0], encode('41')[0]]);
    expect(numbers.size).toBe(2);
    expect(Array.from(b.mask.dataSync())).toEqual([
      ...new Array(13).fill(0),
      ...response.map((id) => (numbers.has(id) ? 0 : 1)),
    ]);
  });
});

describe('GuiPolicy', () => {
  it('modulates the image tokens by the goal (FiLM): token·(1 + γ) + β from the goal embeddings, by hand', () => {
    const ctx = createContext();
    manualSeed(4, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    policy.eval();
    const images = [imageTensor(shot(3, 5, [0, 0, 255]), { context: ctx })];
    const b = makeBatch(
      [{ shot: shot(3, 5, [0, 0, 255]), goal: 'check the blue box', text: 'I' }],
      TINY,
      ctx,
    );
    const d = TINY.dim;
    const n = 12; // a 32×24 screenshot: 4×3 merged tokens
    const x = Array.from(policy.sequence(images, b.text).x.dataSync());
    const plain = Array.from(policy.imageTokens(images).dataSync());
    const emb = Array.from(policy.decoder.embed(b.text).dataSync());
    const w = Array.from((policy.film as NonNullable<typeof policy.film>).dataSync());
    // Mean of the 12 goal positions' embeddings, times the [d, 2d] matrix: γ then β.
    const mean = Array.from({ length: d }, (_, j) => {
      let sum = 0;
      for (let t = 0; t < 12; t++) sum += emb[t * d + j];
      return sum / 12;
    });
    const film = Array.from({ length: 2 * d }, (_, k) =>
      mean.reduce((acc, m, j) => acc + m * w[j * 2 * d + k], 0),
    );
    for (let i = 0; i < n; i++)
      for (let j = 0; j < d; j++)
        expect(x[(12 + i) * d + j]).toBeCloseTo(plain[i * d + j] * (1 + film[j]) + film[d + j], 5);
    // γ and β are not zero: the modulation does something to check.
    expect(Math.max(...film.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('puts the goal before the image tokens: their states change with the goal, not with the response', () => {
    const ctx = createContext();
    manualSeed(2, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    policy.eval();
    const image = shot(4, 6, [255, 0, 0]);
    const states = (goal: string, response: string) => {
      const b = makeBatch([{ shot: image, goal, text: response }], TINY, ctx);
      return Array.from(policy.imageStates(b.images, b.text).dataSync() as Float32Array);
    };
    const base = states('click the red button', 'Thought: I click.');
    const otherGoal = states('click the blue button', 'Thought: I click.');
    const otherResponse = states('click the red button', 'Action: wait()');
    expect(base.length).toBe(4 * 3 * TINY.dim); // a 32×24 screenshot: 4×3 merged tokens
    const change = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    // The causal mask lets image tokens see what comes before them (the goal) and nothing after.
    expect(change(base, otherGoal)).toBeGreaterThan(1e-3);
    expect(change(base, otherResponse)).toBe(0);
  });

  it('learns to answer two screenshots with their own steps (behaviour cloning, then greedy generation)', async () => {
    const ctx = createContext();
    manualSeed(0, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const rows = [
      {
        shot: shot(2, 3, [255, 0, 0]),
        goal: 'click the red button',
        text: "Thought: I click the red button.\nAction: click(start_box='(5,4)')",
      },
      {
        shot: shot(20, 15, [0, 0, 255]),
        goal: 'click the blue button',
        text: "Thought: I click the blue button.\nAction: click(start_box='(23,16)')",
      },
    ];
    const losses = await behaviourCloning(policy, rows, {
      steps: 100,
      batch: 2,
      lr: 1e-2,
      seed: 0,
      context: ctx,
    });
    expect(losses.at(-1)).toBeLessThan(0.05 * losses[0]);
    const out = await policy.respond(rows, ctx);
    expect(out.map((ids) => ids.at(-1))).toEqual([EOS, EOS]);
    expect(out.map((ids) => ids.slice(0, -1))).toEqual(rows.map((r) => encode(r.text)));
  }, 60_000);

  it('the DPO round raises the chosen step over the rejected one', async () => {
    const ctx = createContext();
    manualSeed(1, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const pairs = [
      {
        shot: shot(2, 3, [255, 0, 0]),
        goal: 'click the red button',
        chosen: "Action: click(start_box='(5,4)')",
        rejected: "Action: click(start_box='(23,16)')",
      },
    ];
    const accuracy: number[] = [];
    const losses = await dpoRound(policy, pairs, {
      steps: 15,
      batch: 1,
      lr: 5e-3,
      beta: 0.5,
      sftWeight: 0,
      coordinates: true,
      seed: 0,
      context: ctx,
      onStep: (_, __, acc) => accuracy.push(acc),
    });
    // The first step sees the policy equal to its reference: −log σ(0) = ln 2.
    expect(losses[0]).toBeCloseTo(Math.LN2, 4);
    expect(losses.at(-1)).toBeLessThan(0.2);
    expect(accuracy.at(-1)).toBe(1);
  }, 60_000);
});
