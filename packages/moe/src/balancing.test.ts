import { backward, checkGrad, noGrad } from '@tessera/autograd';
import { createContext, full, manualSeed, randn, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { loadBalancingLoss, routerZLoss } from './losses.js';
import { loadMetrics } from './metrics.js';
import { MoE } from './moe.js';
import { SKEW_SHIFT, skewedSigmoidMoE } from './testing/cases.js';

describe('loadBalancingLoss (Switch)', () => {
  const ctx = createContext();
  const E = 4;
  const alpha = 0.01;

  it('is α under perfectly uniform routing, per batch and per sequence', () => {
    const probs = full([8, E], 1 / E, { context: ctx });
    // Tokens 0…7 choose experts (t mod 4, (t + 1) mod 4): every expert gets 4 of the 16 slots,
    // and so does every 4-token sequence's 8 slots split 2, 2, 2, 2.
    const idx = tensor(Array.from({ length: 8 }, (_, t) => [t % E, (t + 1) % E]).flat(), [8, 2], {
      dtype: 'i32',
      context: ctx,
    });
    expect(loadBalancingLoss(probs, idx, { coef: alpha }).itemSync()).toBeCloseTo(alpha, 7);
    expect(
      loadBalancingLoss(probs, idx, { coef: alpha, scope: 'sequence', seqLen: 4 }).itemSync(),
    ).toBeCloseTo(alpha, 7);
  });

  it('is α·E when every token goes to one expert with probability 1', () => {
    const p = Array.from({ length: 6 }, () => [0, 0, 1, 0]).flat();
    const probs = tensor(p, [6, E], { context: ctx });
    const idx = tensor(new Array(6).fill(2), [6, 1], { dtype: 'i32', context: ctx });
    expect(loadBalancingLoss(probs, idx, { coef: alpha }).itemSync()).toBeCloseTo(alpha * E, 7);
    expect(
      loadBalancingLoss(probs, idx, { coef: alpha, scope: 'sequence', seqLen: 3 }).itemSync(),
    ).toBeCloseTo(alpha * E, 7);
  });

  it('averages per-sequence losses rather than pooling them', () => {
    // Sequence 0 all on expert 0, sequence 1 all on expert 1: balanced over the batch (loss α·E/2
    // pooled: f = P = (1/2, 1/2, 0, 0)), maximally unbalanced per sequence (α·E each).
    const p = [1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0];
    const probs = tensor(p, [4, E], { context: ctx });
    const idx = tensor([0, 0, 1, 1], [4, 1], { dtype: 'i32', context: ctx });
    expect(loadBalancingLoss(probs, idx, { coef: 1 }).itemSync()).toBeCloseTo(E / 2, 9);
    expect(loadBalancingLoss(probs, idx, { coef: 1, scope: 'sequence', seqLen: 2 }).itemSync()).toBeCloseTo(
      E,
      9,
    );
  });

  it('has a gradient in the probabilities that matches finite differences', async () => {
    manualSeed(2, ctx);
    const logits = randn([6, E], { dtype: 'f64', context: ctx });
    const idx = tensor([0, 1, 2, 3, 0, 0, 1, 2, 3, 3, 2, 1], [6, 2], { dtype: 'i32', context: ctx });
    await checkGrad(
      (l) => loadBalancingLoss(l.softmax(-1), idx, { coef: 0.3, scope: 'sequence', seqLen: 3 }),
      [logits],
    );
  });
});

describe('routerZLoss', () => {
  it('is the mean squared logsumexp, with a gradient matching finite differences', async () => {
    const ctx = createContext();
    const logits = tensor([1, 2, 3, 0, 0, 0], [2, 3], { dtype: 'f64', context: ctx });
    const lse = [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), Math.log(3)];
    expect(routerZLoss(logits, 0.5).itemSync()).toBeCloseTo((0.5 * (lse[0] ** 2 + lse[1] ** 2)) / 2, 12);
    manualSeed(3, ctx);
    await checkGrad((l) => routerZLoss(l, 0.1), [randn([5, 4], { dtype: 'f64', context: ctx })]);
  });
});

describe('MoE.auxLoss', () => {
  it('adds the load-balancing and z-loss terms of a training forward, and backward reaches the gate', () => {
    const ctx = createContext();
    manualSeed(4, ctx);
    const moe = new MoE(6, {
      experts: 4,
      topK: 2,
      hidden: 4,
      auxLossCoef: 0.01,
      zLossCoef: 0.001,
      context: ctx,
    });
    const x = randn([2, 5, 6], { context: ctx });
    tidy(() => {
      moe.forward(x);
      const aux = moe.auxLoss()!;
      const r = moe.router.forward(x.reshape([10, 6]));
      const want = loadBalancingLoss(r.probs, r.indices, { coef: 0.01 }).add(routerZLoss(r.logits, 0.001));
      expect(aux.itemSync()).toBeCloseTo(want.itemSync(), 6);
      backward(aux);
    }, ctx);
    expect(moe.router.gate.weight.grad).toBeDefined();
    moe.eval();
    tidy(() => moe.forward(x), ctx);
    expect(moe.auxLoss()).toBeUndefined();
  });
});

describe('loadMetrics', () => {
  it('gives the coefficient of variation, max/mean and dropped fraction of a load', () => {
    const m = loadMetrics([2, 4, 6, 8], 5, 20);
    const mean = 5;
    const sd = Math.sqrt((9 + 1 + 1 + 9) / 4);
    expect(m.cv).toBeCloseTo(sd / mean, 12);
    expect(m.maxOverMean).toBeCloseTo(8 / 5, 12);
    expect(m.droppedFraction).toBe(0.25);
  });
});

describe('auxiliary-loss-free balancing', () => {
  it('brings a skewed router’s load CV below 0.1 while combine weights stay the unbiased scores’', async () => {
    const ctx = createContext();
    const dim = 8;
    const moe = skewedSigmoidMoE(ctx);
    const shift = tensor(SKEW_SHIFT, [dim], { context: ctx });
    // A fresh batch of 2,048 tokens a step, as in training.
    const batch = () => noGrad(() => randn([2048, dim], { context: ctx }).add(shift), ctx);
    const step = async () => {
      tidy(() => noGrad(() => moe.forward(batch()), ctx), ctx);
      return moe.metrics();
    };
    const before = await step();
    expect(before.cv).toBeGreaterThan(0.9);
    const cvs: number[] = [];
    for (let i = 0; i < 300; i++) {
      moe.updateBias(0.002);
      cvs.push((await step()).cv);
    }
    // A 2,048-token batch's load varies by itself (about 0.05 CV at this load): judge the last 20
    // steps' mean, against a start above 0.9.
    const last = cvs.slice(-20);
    expect(last.reduce((a, b) => a + b, 0) / last.length).toBeLessThan(0.1);
    // The bias moved selection only: every token's weights are its chosen experts' unbiased
    // sigmoid scores, normalized over the chosen ones, times the routed scaling.
    const x = batch();
    const scores = moe.router.gate.forward(x).sigmoid().arraySync() as number[][];
    const r = moe.router.forward(x);
    const idx = r.indices.arraySync() as number[][];
    const w = r.weights.arraySync() as number[][];
    const bias = Array.from(moe.router.bias.dataSync());
    expect(Math.max(...bias) - Math.min(...bias)).toBeGreaterThan(0.1);
    let changed = 0;
    idx.forEach((chosen, t) => {
      const s = chosen.map((e) => scores[t][e]);
      const z = s[0] + s[1];
      for (let j = 0; j < 2; j++) expect(w[t][j]).toBeCloseTo((2.446 * s[j]) / z, 6);
      // Tokens whose choice the bias changed: the unbiased top 2 differ.
      const top = scores[t].map((v, e) => ({ v, e })).sort((a, b) => b.v - a.v);
      if (!chosen.includes(top[0].e) || !chosen.includes(top[1].e)) changed++;
    });
    expect(changed).toBeGreaterThan(100);
  });
});
