import { type Context, createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import type { Screenshot } from './env.js';
import { COLOUR_CLASSES, colourTargets } from './perception.js';
import { GuiPolicy, imageTensor, type Observation, type PolicyConfig, promptTokens } from './policy.js';
import { BOS, EOS, encode, PAD } from './tokenizer.js';
import { anchorKl, behaviourCloning, dpoRound, makeBatch, perceptionLoss, preferredShare } from './train.js';

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
  perception: true,
};

/** A 32×24 screenshot (small, for speed; the model takes any size), white with one coloured 6×3 block at (x, y). */
function shot(x: number, y: number, rgb: [number, number, number]): Screenshot {
  const px = new Uint8Array(32 * 24 * 3).fill(255);
  for (let j = y; j < y + 3; j++) for (let i = x; i < x + 6; i++) px.set(rgb, (j * 32 + i) * 3);
  return { width: 32, height: 24, rgb: px };
}

/** A red button's screenshot and the step that clicks it. */
const redButton = {
  shot: shot(2, 3, [255, 0, 0]),
  goal: 'click the red button',
  previous: 'none' as const,
  text: "Thought: I click the red button.\nAction: click(start_box='(5,4)')",
};

/**
 * At each position of `row` (alone: no padding) that predicts a response token, that token and the
 * log-softmax of the policy's logits there, by plain arithmetic (eval mode). Impossible coordinates
 * have logits near −1e4: their probabilities underflow to 0 and their log-probabilities stay finite.
 */
function responseLogSoftmaxByHand(
  policy: GuiPolicy,
  row: Observation & { text: string },
  ctx: Context,
): { target: number; logp: number[] }[] {
  policy.eval();
  const b = makeBatch([row], TINY, ctx);
  const logits = Array.from(policy.forward(b.images, b.text).dataSync());
  const targets = Array.from(b.targets.dataSync());
  const v = logits.length / targets.length;
  return targets.flatMap((target, i) => {
    if (target < 0) return [];
    const z = logits.slice(i * v, (i + 1) * v);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, x) => a + Math.exp(x - m), 0));
    return [{ target, logp: z.map((x) => x - lse) }];
  });
}

/** Summed log p of a row's response tokens under `policy` (eval mode) and their count, from the logits by a plain log-softmax. */
function responseLogProbByHand(
  policy: GuiPolicy,
  row: Observation & { text: string },
  ctx: Context,
): { sum: number; n: number } {
  const positions = responseLogSoftmaxByHand(policy, row, ctx);
  return { sum: positions.reduce((a, p) => a + p.logp[p.target], 0), n: positions.length };
}

/** A plain DPO round's options, fast enough to learn a few pairs of the tiny policy. */
const sharpRound = (ctx: Context) => ({
  lr: 5e-3,
  beta: 0.5,
  sftWeight: 0,
  coordinates: true,
  seed: 0,
  context: ctx,
});

describe('policy batches', () => {
  it('left-pads the goal, scores only the response and its end token', () => {
    const ctx = createContext();
    const text = "Thought: I click.\nAction: click(start_box='(3,4)')";
    const b = makeBatch(
      [{ shot: shot(0, 0, [255, 0, 0]), goal: 'click the red button', previous: 'none', text }],
      TINY,
      ctx,
    );
    const goal = encode('click the red button');
    const response = [...encode(text), EOS];
    const none = encode('none');
    expect(none).toHaveLength(1);
    const prompt = [...new Array(12 - goal.length).fill(PAD), ...goal, none[0], BOS];
    expect(promptTokens('click the red button', 'none', TINY)).toEqual(prompt);
    // The previous action's kind is the one token before <bos>.
    expect(promptTokens('click the red button', 'left_double', TINY).at(-2)).toBe(encode('left_double')[0]);
    expect(Array.from(b.text.dataSync())).toEqual([...prompt, ...response]);
    // Position t predicts token t + 1: the targets are the response (from the <bos> position on).
    const targets = Array.from(b.targets.dataSync());
    expect(targets).toEqual([...new Array(13).fill(-100), ...response, -100]);
    expect(Array.from(b.mask.dataSync())).toEqual([
      ...new Array(14).fill(0),
      ...new Array(response.length).fill(1),
    ]);
    expect(b.images[0].shape).toEqual([3, 24, 32]);
  });

  it('leaves the coordinate tokens out of the mask when asked (the text-only DPO term)', () => {
    const ctx = createContext();
    const text = "Action: click(start_box='(3,41)')";
    const b = makeBatch(
      [{ shot: shot(0, 0, [255, 0, 0]), goal: 'click the red button', previous: 'none', text }],
      TINY,
      ctx,
      { coordinates: false },
    );
    const response = [...encode(text), EOS];
    // Coordinate tokens are the ids of the strings '0'…'99'.
    const numbers = new Set([encode('3')[0], encode('41')[0]]);
    expect(numbers.size).toBe(2);
    expect(Array.from(b.mask.dataSync())).toEqual([
      ...new Array(14).fill(0),
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
      [{ shot: shot(3, 5, [0, 0, 255]), goal: 'check the blue box', previous: 'none', text: 'I' }],
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
      const b = makeBatch([{ shot: image, goal, previous: 'none', text: response }], TINY, ctx);
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

  it("scores the image tokens' colour logits against the screenshot's colour mix: −mean Σ q log softmax, by hand", () => {
    const ctx = createContext();
    manualSeed(3, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const rows = [
      { shot: shot(3, 5, [224, 32, 32]), goal: 'click the red button', previous: 'none' as const },
      { shot: shot(20, 13, [32, 80, 224]), goal: 'click the blue button', previous: 'none' as const },
    ];
    const b = makeBatch(
      rows.map((r) => ({ ...r, text: 'I' })),
      TINY,
      ctx,
    );
    const colours = policy.forwardWithColours(b.images, b.text).colours;
    if (!colours) throw new Error('no colour head');
    const n = 12; // 4×3 tokens of a 32×24 screenshot
    expect(colours.shape).toEqual([2, n, COLOUR_CLASSES]);
    const z = Array.from(colours.dataSync());
    let want = 0;
    rows.forEach((r, i) => {
      const q = colourTargets(r.shot, 8);
      for (let t = 0; t < n; t++) {
        const row = z.slice((i * n + t) * COLOUR_CLASSES, (i * n + t + 1) * COLOUR_CLASSES);
        const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
        for (let k = 0; k < COLOUR_CLASSES; k++) want -= q[t * COLOUR_CLASSES + k] * (row[k] - lse);
      }
    });
    want /= 2 * n;
    expect(perceptionLoss(colours, rows, policy).dataSync()[0]).toBeCloseTo(want, 5);
    // The red block's cell has red in its targets: the loss reads the picture.
    expect(colourTargets(rows[0].shot, 8)[0]).toBeGreaterThan(0);
  });

  it('learns to answer two screenshots with their own steps (behaviour cloning, then greedy generation)', async () => {
    const ctx = createContext();
    manualSeed(0, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const rows = [
      redButton,
      {
        shot: shot(20, 15, [0, 0, 255]),
        goal: 'click the blue button',
        previous: 'none' as const,
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
    // Drawn responses: near temperature 0 the draw is the greedy token; the same seed draws the same.
    expect(await policy.respond(rows, ctx, { temperature: 1e-4, rng: new Rng(3) })).toEqual(out);
    const hot = () => policy.respond(rows, ctx, { temperature: 3, rng: new Rng(7) });
    const [a, b] = [await hot(), await hot()];
    expect(a).toEqual(b);
    expect(a).not.toEqual(out);
  }, 60_000);

  it("adds the chosen steps' and the replayed demonstrations' cross-entropy to the DPO loss, by hand", async () => {
    const ctx = createContext();
    manualSeed(5, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const pair = {
      shot: shot(2, 3, [255, 0, 0]),
      goal: 'click the red button',
      previous: 'none' as const,
      chosen: "Action: click(start_box='(5,4)')",
      rejected: "Action: click(start_box='(23,16)')",
    };
    const demo = {
      shot: shot(20, 15, [0, 0, 255]),
      goal: 'click the blue button',
      previous: 'click' as const,
      text: "Thought: I click the blue button.\nAction: click(start_box='(23,16)')",
    };
    // Mean −log p of the response tokens.
    const crossEntropyByHand = (row: Observation & { text: string }) => {
      const { sum, n } = responseLogProbByHand(policy, row, ctx);
      return -sum / n;
    };
    const want =
      Math.LN2 + 0.5 * (crossEntropyByHand({ ...pair, text: pair.chosen }) + crossEntropyByHand(demo));
    const losses = await dpoRound(policy, [pair], {
      steps: 1,
      batch: 1,
      lr: 0,
      beta: 0.1,
      sftWeight: 0.5,
      coordinates: true,
      replay: [demo],
      replayBatch: 2,
      seed: 0,
      context: ctx,
    });
    expect(losses[0]).toBeCloseTo(want, 4);
  }, 60_000);

  it('anchorKl is KL(reference ‖ policy) summed over the response tokens, against softmaxes by hand', async () => {
    const ctx = createContext();
    manualSeed(11, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const reference = new GuiPolicy(TINY, { context: ctx });
    const rows = [
      redButton,
      {
        shot: shot(20, 15, [0, 0, 255]),
        goal: 'type cat in the blue field',
        previous: 'click' as const,
        text: "Action: type(content='cat\n')",
      },
    ];
    let want = 0;
    for (const row of rows) {
      const q = responseLogSoftmaxByHand(policy, row, ctx);
      responseLogSoftmaxByHand(reference, row, ctx).forEach(({ logp }, i) => {
        want += logp.reduce((a, l, k) => a + Math.exp(l) * (l - q[i].logp[k]), 0);
      });
    }
    want /= rows.length;
    expect(want).toBeGreaterThan(0.01);
    expect(await anchorKl(policy, reference, rows, ctx).item()).toBeCloseTo(want, 4);
    // The round's anchor is a copy of the policy as it starts: at the first step the KL adds nothing
    // (−log σ(0) = ln 2 alone); a fresh model in its place would add a positive KL.
    const pair = { ...rows[0], chosen: rows[0].text, rejected: "Action: click(start_box='(23,16)')" };
    const losses = await dpoRound(policy, [pair], {
      ...sharpRound(ctx),
      steps: 3,
      batch: 1,
      anchor: rows,
      anchorBatch: 2,
      anchorWeight: 1,
    });
    expect(losses[0]).toBeCloseTo(Math.LN2, 4);
  }, 60_000);

  it('the DPO round raises the chosen step over the rejected one', async () => {
    const ctx = createContext();
    manualSeed(1, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const pairs = [
      {
        shot: shot(2, 3, [255, 0, 0]),
        goal: 'click the red button',
        previous: 'none' as const,
        chosen: "Action: click(start_box='(5,4)')",
        rejected: "Action: click(start_box='(23,16)')",
      },
    ];
    const accuracy: number[] = [];
    const round = { ...sharpRound(ctx), steps: 15, batch: 1 };
    const losses = await dpoRound(policy, pairs, { ...round, onStep: (_, __, acc) => accuracy.push(acc) });
    // The first step sees the policy equal to its reference: −log σ(0) = ln 2.
    expect(losses[0]).toBeCloseTo(Math.LN2, 4);
    expect(losses.at(-1)).toBeLessThan(0.2);
    expect(accuracy.at(-1)).toBe(1);
    // IPO from the same start: the margin 0 is 1/(2β) = 1 short of its target, (0 − 1)² = 1.
    const fresh = new GuiPolicy(TINY, { context: ctx });
    const ipo = await dpoRound(fresh, pairs, { ...round, loss: 'ipo' });
    expect(ipo[0]).toBeCloseTo(1, 4);
    expect(ipo.at(-1)).toBeLessThan(0.5);
    // Scoring only the first differing token (the x coordinate, 5 against 23): an empty mask would
    // leave the margin at 0 and the loss at ln 2.
    const decision = await dpoRound(new GuiPolicy(TINY, { context: ctx }), pairs, {
      ...round,
      tokens: 'first-difference',
    });
    expect(decision[0]).toBeCloseTo(Math.LN2, 4);
    expect(decision.at(-1)).toBeLessThan(0.2);
  }, 60_000);

  it('counts the pairs whose chosen step the policy finds likelier, against summed log-softmaxes by hand', async () => {
    const ctx = createContext();
    manualSeed(7, ctx);
    const policy = new GuiPolicy(TINY, { context: ctx });
    const logProbByHand = (row: Observation & { text: string }) =>
      responseLogProbByHand(policy, row, ctx).sum;
    const points = [
      [5, 4, 23, 16],
      [9, 2, 4, 20],
      [30, 1, 11, 11],
      [17, 17, 2, 7],
      [0, 23, 28, 3],
    ];
    const pairs = points.map(([a, b, c, d], i) => ({
      shot: shot(2 + 4 * i, 3 + 3 * i, [255, 0, 0]),
      goal: 'click the red button',
      previous: 'none' as const,
      chosen: `Action: click(start_box='(${a},${b})')`,
      rejected: `Action: click(start_box='(${c},${d})')`,
    }));
    const want =
      pairs.filter((p) => logProbByHand({ ...p, text: p.chosen }) > logProbByHand({ ...p, text: p.rejected }))
        .length / pairs.length;
    expect(await preferredShare(policy, pairs, ctx, 2)).toBeCloseTo(want, 10);
    // A tie is not a preference, and no pairs have no share.
    expect(await preferredShare(policy, [{ ...pairs[0], rejected: pairs[0].chosen }], ctx)).toBe(0);
    expect(await preferredShare(policy, [], ctx)).toBeNaN();
    // After a DPO round on them, the policy prefers every chosen step.
    await dpoRound(policy, pairs, { ...sharpRound(ctx), steps: 40, batch: 5 });
    expect(await preferredShare(policy, pairs, ctx)).toBe(1);
  }, 60_000);
});
