import { createContext, manualSeed, memory } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { SGD } from '@tessera/optim';
import { describe, expect, it } from 'vitest';
import { Bigram, naiveLogSoftmax, naiveResponseLogProb } from './bigram.fixture.js';
import { metricSeries, metricsToCsv, metricsToJson } from './metrics.js';
import type { PreferencePair } from './pairs.js';
import { frozenCopy, precomputeReferenceLogProbs } from './reference.js';
import { PreferenceTrainer, type StepMetrics } from './trainer.js';

const VOCAB = 6;
const LN2 = Math.LN2;

/** Random pairs over the vocabulary (tokens ≥ 1; 0 is the padding) with prompts and responses of 1–3 tokens. */
function randomPairs(n: number, seed: number): PreferencePair[] {
  const rng = new Rng(seed);
  const seq = () => Array.from({ length: 1 + rng.int(3) }, () => 1 + rng.int(VOCAB - 1));
  return Array.from({ length: n }, () => ({ prompt: seq(), chosen: seq(), rejected: seq() }));
}

/** A policy and a reference with different tables (so every log-ratio is nonzero). */
function models(seed: number) {
  const context = createContext({ cpu: { threads: 1 } });
  manualSeed(seed, context);
  return { context, policy: new Bigram(VOCAB, context), reference: new Bigram(VOCAB, context) };
}

const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

/** The metrics the trainer should log, written out from the bigram tables with the DPO formulas. */
function naiveMetrics(pairs: PreferencePair[], p: number[][], r: number[][], beta: number) {
  const lp = (table: number[][], x: PreferencePair, side: 'chosen' | 'rejected') =>
    naiveResponseLogProb(table, x.prompt, x[side]);
  const rc = pairs.map((x) => beta * (lp(p, x, 'chosen') - lp(r, x, 'chosen')));
  const rr = pairs.map((x) => beta * (lp(p, x, 'rejected') - lp(r, x, 'rejected')));
  let logitSum = 0;
  let tokens = 0;
  let klSum = 0;
  let klTokens = 0;
  for (const x of pairs) {
    for (const side of ['chosen', 'rejected'] as const) {
      const seq = [...x.prompt, ...x[side]];
      for (let t = x.prompt.length; t < seq.length; t++) {
        const prev = seq[t - 1];
        if (side === 'chosen') {
          logitSum += mean(p[prev]);
          tokens++;
        }
        const logP = naiveLogSoftmax(p[prev]);
        const logQ = naiveLogSoftmax(r[prev]);
        klSum += logP.reduce((acc, l, v) => acc + Math.exp(l) * (l - logQ[v]), 0);
        klTokens++;
      }
    }
  }
  return {
    loss: mean(rc.map((c, i) => -Math.log(sigma(c - rr[i])))),
    'rewards/chosen': mean(rc),
    'rewards/rejected': mean(rr),
    'rewards/accuracies': mean(rc.map((c, i) => (c > rr[i] ? 1 : 0))),
    'rewards/margins': mean(rc.map((c, i) => c - rr[i])),
    'logps/chosen': mean(pairs.map((x) => lp(p, x, 'chosen'))),
    'logits/chosen': logitSum / tokens,
    kl: klSum / klTokens,
  };
}

describe('PreferenceTrainer metrics', () => {
  it('match the DPO formulas evaluated by hand on a bigram model', async () => {
    const { policy, reference } = models(1);
    const pairs = randomPairs(7, 2);
    const trainer = new PreferenceTrainer({
      model: policy,
      reference,
      optimizer: new SGD(policy.parameters(), { lr: 0.1 }),
      beta: 0.5,
    });
    const got = await trainer.evaluate(pairs);
    const want = naiveMetrics(pairs, policy.rows(), reference.rows(), 0.5);
    for (const [name, value] of Object.entries(want)) {
      expect(got[name as keyof typeof got], name).toBeCloseTo(value, 4);
    }
    expect(want.kl).toBeGreaterThan(0.05); // the tables differ, so the check above is not 0 ≈ 0
  });

  it('are ln 2, zero rewards and margins, accuracy 0 and KL 0 while the policy equals the reference', async () => {
    const { context, policy } = models(3);
    const reference = frozenCopy(policy, () => new Bigram(VOCAB, context));
    const trainer = new PreferenceTrainer({
      model: policy,
      reference,
      optimizer: new SGD(policy.parameters(), { lr: 0.5 }),
    });
    const first = await trainer.step(randomPairs(8, 4));
    expect(first.loss).toBeCloseTo(LN2, 6);
    expect(first['rewards/chosen']).toBe(0);
    expect(first['rewards/rejected']).toBe(0);
    expect(first['rewards/margins']).toBe(0);
    expect(first['rewards/accuracies']).toBe(0);
    expect(first.kl).toBe(0);
  });
});

describe('the reference', () => {
  it('frozenCopy copies the values into separate storage, without gradients, in eval mode, and stays put', async () => {
    const { context, policy } = models(5);
    const before = policy.rows();
    const reference = frozenCopy(policy, () => new Bigram(VOCAB, context));
    expect(reference.rows()).toEqual(before);
    expect(reference.table.storage).not.toBe(policy.table.storage);
    expect(reference.table.requiresGrad).toBe(false);
    expect(reference.training).toBe(false);
    const trainer = new PreferenceTrainer({
      model: policy,
      reference,
      optimizer: new SGD(policy.parameters(), { lr: 1 }),
    });
    await trainer.train(randomPairs(12, 6), { steps: 5, batchSize: 4 });
    expect(reference.rows()).toEqual(before);
    expect(policy.rows()).not.toEqual(before);
    expect(reference.table.grad).toBeUndefined();
  });

  it('as a frozen model or as precomputed log-probs gives identical losses and updates', async () => {
    const pairs = randomPairs(10, 7);
    const runs: { metrics: StepMetrics[]; table: number[][] }[] = [];
    for (const precomputed of [false, true]) {
      const { context, policy } = models(8);
      const reference = frozenCopy(policy, () => new Bigram(VOCAB, context));
      const data = precomputed
        ? await precomputeReferenceLogProbs(reference, pairs, { batchSize: 4 })
        : pairs;
      const trainer = new PreferenceTrainer({
        model: policy,
        reference: precomputed ? undefined : reference,
        optimizer: new SGD(policy.parameters(), { lr: 0.5 }),
        beta: 0.3,
      });
      const metrics = await trainer.train(data, { steps: 4, batchSize: 4, seed: 9 });
      runs.push({ metrics, table: policy.rows() });
    }
    const [withModel, withLogProbs] = runs;
    expect(withLogProbs.metrics.map((m) => m.loss)).toEqual(withModel.metrics.map((m) => m.loss));
    expect(withLogProbs.metrics.map((m) => m['rewards/margins'])).toEqual(
      withModel.metrics.map((m) => m['rewards/margins']),
    );
    expect(withLogProbs.table).toEqual(withModel.table);
    expect(withModel.metrics[3].loss).not.toBeCloseTo(LN2, 3); // training moved it
    expect(withLogProbs.metrics[0].kl).toBeUndefined(); // KL needs the reference's logits
  });

  it('precomputeReferenceLogProbs gives each response its log-probability under the reference', async () => {
    const { reference } = models(10);
    const pairs = randomPairs(5, 11);
    const out = await precomputeReferenceLogProbs(reference, pairs, { batchSize: 2 });
    const table = reference.rows();
    out.forEach((p, i) => {
      expect(p.prompt).toEqual(pairs[i].prompt);
      expect(p.referenceChosen).toBeCloseTo(naiveResponseLogProb(table, p.prompt, p.chosen), 5);
      expect(p.referenceRejected).toBeCloseTo(naiveResponseLogProb(table, p.prompt, p.rejected), 5);
    });
  });
});

describe('PreferenceTrainer training', () => {
  it('accumulates gradients: 2 uneven micro-batches update like the whole batch', async () => {
    const pairs = randomPairs(5, 12);
    const tables: number[][][] = [];
    for (const gradientAccumulationSteps of [1, 2]) {
      const { policy, reference } = models(13);
      const trainer = new PreferenceTrainer({
        model: policy,
        reference,
        optimizer: new SGD(policy.parameters(), { lr: 2 }),
        gradientAccumulationSteps,
      });
      await trainer.step(pairs);
      tables.push(policy.rows());
    }
    tables[0].flat().forEach((x, i) => {
      expect(tables[1].flat()[i]).toBeCloseTo(x, 6);
    });
  });

  it('drives a two-response bandit to accuracy 1 with a rising margin', async () => {
    // One prompt token, two one-token responses: the policy's only freedom is p(1) vs p(2) after token 0.
    const context = createContext({ cpu: { threads: 1 } });
    manualSeed(14, context);
    const policy = new Bigram(3, context, 0);
    const reference = frozenCopy(policy, () => new Bigram(3, context, 0));
    const trainer = new PreferenceTrainer({
      model: policy,
      reference,
      optimizer: new SGD(policy.parameters(), { lr: 5 }),
      beta: 0.5,
    });
    const bandit = [{ prompt: [0], chosen: [1], rejected: [2] }];
    const live = memory(context).tensors;
    const history = await trainer.train(bandit, { steps: 12, batchSize: 1 });
    expect(memory(context).tensors).toBe(live); // a step leaves no tensor behind
    const margins = metricSeries(history, 'rewards/margins');
    // Metrics are taken before each update: the first step sees policy = reference.
    expect(margins[0]).toBe(0);
    for (let i = 1; i < margins.length; i++) expect(margins[i]).toBeGreaterThan(margins[i - 1]);
    expect(metricSeries(history, 'rewards/accuracies')).toEqual([0, ...new Array(11).fill(1)]);
    const losses = metricSeries(history, 'loss');
    expect(losses[11]).toBeLessThan(losses[0] / 2);
  });

  it('runs every loss type, each lowering its loss on a fixed batch', async () => {
    for (const loss of ['sigmoid', 'robust', 'hinge', 'ipo', 'simpo'] as const) {
      const { context, policy } = models(15);
      const reference = frozenCopy(policy, () => new Bigram(VOCAB, context));
      const trainer = new PreferenceTrainer({
        model: policy,
        reference,
        optimizer: new SGD(policy.parameters(), { lr: 0.3 }),
        loss,
        labelSmoothing: loss === 'robust' ? 0.1 : 0,
      });
      const batch = randomPairs(6, 16);
      const first = await trainer.step(batch);
      for (let i = 0; i < 8; i++) await trainer.step(batch);
      const last = await trainer.evaluate(batch);
      expect(last.loss, loss).toBeLessThan(first.loss);
      expect(last['rewards/margins'], loss).toBeGreaterThan(first['rewards/margins']);
    }
  });
});

describe('metrics files', () => {
  it('are JSON records and a CSV table with one row per step', () => {
    const history: StepMetrics[] = [
      {
        step: 1,
        loss: 0.5,
        'rewards/chosen': 0.1,
        'rewards/rejected': -0.1,
        'rewards/accuracies': 1,
        'rewards/margins': 0.2,
        'logps/chosen': -1,
        'logps/rejected': -2,
        'logits/chosen': 0.3,
        'logits/rejected': 0.4,
        kl: 0.01,
      },
      {
        step: 2,
        loss: 0.25,
        'rewards/chosen': 0.2,
        'rewards/rejected': -0.2,
        'rewards/accuracies': 1,
        'rewards/margins': 0.4,
        'logps/chosen': -1,
        'logps/rejected': -3,
        'logits/chosen': 0.3,
        'logits/rejected': 0.4,
      },
    ];
    expect(JSON.parse(metricsToJson(history))).toEqual(history);
    const lines = metricsToCsv(history).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'step,loss,rewards/chosen,rewards/rejected,rewards/accuracies,rewards/margins,logps/chosen,logps/rejected,logits/chosen,logits/rejected,kl',
    );
    expect(lines[2]).toBe('2,0.25,0.2,-0.2,1,0.4,-1,-3,0.3,0.4,');
    expect(metricSeries(history, 'kl')).toEqual([0.01, Number.NaN]);
  });
});

describe('PreferenceTrainer argument checks', () => {
  it('name the problem', async () => {
    const { policy } = models(17);
    const optimizer = new SGD(policy.parameters(), { lr: 0.1 });
    expect(() => new PreferenceTrainer({ model: policy, reference: policy, optimizer })).toThrow(
      /frozen copy/,
    );
    expect(() => new PreferenceTrainer({ model: policy, optimizer, loss: 'kto' as 'ipo' })).toThrow(
      /loss must be/,
    );
    expect(() => new PreferenceTrainer({ model: policy, optimizer, gradientAccumulationSteps: 0 })).toThrow(
      /gradientAccumulationSteps/,
    );
    const trainer = new PreferenceTrainer({ model: policy, optimizer, gradientAccumulationSteps: 3 });
    await expect(trainer.step(randomPairs(2, 1))).rejects.toThrow(/cannot fill 3/);
    await expect(trainer.step(randomPairs(3, 1))).rejects.toThrow(/pair 0 has no reference log-probs/);
    await expect(trainer.train(randomPairs(3, 1), { steps: 1, batchSize: 4 })).rejects.toThrow(
      /batchSize 4 exceeds/,
    );
  });
});
