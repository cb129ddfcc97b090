import { backward } from '@tessera/autograd';
import { type Context, createContext, manualSeed, randn, type Tensor, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { MoE, type MoEOptions } from './moe.js';
import { expertCapacity } from './routing.js';
import {
  type Matrix,
  type ReferenceConfig,
  type ReferenceWeights,
  referenceMoE,
} from './testing/reference.js';

const nested = (t: Tensor): Matrix => t.arraySync() as Matrix;

function expectClose(got: Matrix, want: Matrix): void {
  expect(got.length).toBe(want.length);
  for (let t = 0; t < want.length; t++) {
    for (let d = 0; d < want[t].length; d++) expect(got[t][d]).toBeCloseTo(want[t][d], 12);
  }
}

function weightsOf(moe: MoE): ReferenceWeights {
  return {
    gate: nested(moe.router.gate.weight),
    bias: Array.from(moe.router.bias.dataSync()),
    w1: moe.experts.w1.arraySync() as Matrix[],
    w2: moe.experts.w2.arraySync() as Matrix[],
    w3: moe.experts.w3.arraySync() as Matrix[],
    shared: moe.shared
      ? {
          w1: nested(moe.shared.w1.weight),
          w2: nested(moe.shared.w2.weight),
          w3: nested(moe.shared.w3.weight),
        }
      : undefined,
  };
}

interface Case {
  name: string;
  options: Omit<MoEOptions, 'context' | 'dtype'>;
  tokens: number;
  dim?: number;
  /** Sets the selection bias (sigmoid router cases). */
  bias?: number[];
  /** Scales the gate so that routing is skewed onto expert 0. */
  skew?: boolean;
}

function build(c: Case, ctx: Context, dtype: 'f32' | 'f64' = 'f64'): { moe: MoE; x: Tensor } {
  manualSeed(7, ctx);
  const dim = c.dim ?? 6;
  const moe = new MoE(dim, { ...c.options, context: ctx, dtype });
  if (c.bias) moe.router.bias.assign(tensor(c.bias, [c.bias.length], { dtype, context: ctx }));
  const x = randn([c.tokens, dim], { dtype, context: ctx });
  if (c.skew) {
    // Expert 0's gate row follows x's first feature, which is made large and positive.
    const g = nested(moe.router.gate.weight).map((row, e) => row.map((v, i) => (e === 0 && i === 0 ? 8 : v)));
    moe.router.gate.weight.assign(tensor(g.flat(), [g.length, dim], { dtype, context: ctx }));
    const xs = nested(x).map((row) => [Math.abs(row[0]) + 2, ...row.slice(1)]);
    return { moe, x: tensor(xs.flat(), [c.tokens, dim], { dtype, context: ctx }) };
  }
  return { moe, x };
}

function refConfig(c: Case, tokens: number): ReferenceConfig {
  const o = c.options;
  const cf = o.capacityFactor ?? null;
  return {
    router: o.router ?? 'softmax',
    topK: o.topK,
    renormalize: o.renormalize,
    routedScaling: o.routedScaling,
    capacity: cf === null ? null : expertCapacity(tokens, o.topK, o.experts, cf),
  };
}

const CASES: Case[] = [
  { name: 'softmax top-1', options: { experts: 4, topK: 1, hidden: 5 }, tokens: 9 },
  {
    name: 'softmax top-2, renormalized',
    options: { experts: 4, topK: 2, hidden: 5, renormalize: true },
    tokens: 9,
  },
  { name: 'softmax top-6 of 8', options: { experts: 8, topK: 6, hidden: 3 }, tokens: 5 },
  {
    name: 'sigmoid top-2 with a selection bias and routed scaling',
    options: { experts: 6, topK: 2, hidden: 4, router: 'sigmoid', routedScaling: 2.446 },
    tokens: 8,
    bias: [0.3, -0.2, 0.1, 0, -0.4, 0.25],
  },
  {
    name: 'sigmoid top-6 of 8 with shared experts',
    options: {
      experts: 8,
      topK: 6,
      hidden: 3,
      router: 'sigmoid',
      routedScaling: 1.5,
      sharedExperts: 2,
      sharedHidden: 2,
    },
    tokens: 4,
  },
  {
    name: 'shared experts, softmax top-2',
    options: { experts: 4, topK: 2, hidden: 4, sharedExperts: 1 },
    tokens: 7,
  },
  {
    name: 'capacity mode drops overflow',
    options: { experts: 4, topK: 2, hidden: 4, capacityFactor: 0.5 },
    tokens: 12,
    skew: true,
  },
  {
    name: 'experts that receive no token',
    options: { experts: 8, topK: 1, hidden: 3 },
    tokens: 3,
  },
  { name: 'a single token', options: { experts: 4, topK: 2, hidden: 3, sharedExperts: 1 }, tokens: 1 },
];

describe('MoE forward against the naive per-token reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ctx = createContext();
      const { moe, x } = build(c, ctx);
      const y = moe.forward(x);
      const ref = referenceMoE(nested(x), weightsOf(moe), refConfig(c, c.tokens));
      expectClose(nested(y), ref.out);
      const m = await moe.metrics();
      expect(m.tokensPerExpert).toEqual(ref.load);
      expect(m.droppedFraction).toBeCloseTo(ref.dropped / (c.tokens * c.options.topK), 12);
      if (c.name.startsWith('capacity')) expect(ref.dropped).toBeGreaterThan(0);
      if (c.name.startsWith('experts that'))
        expect(ref.load.filter((l) => l === 0).length).toBeGreaterThan(0);
    });
  }

  it('takes [b, s, dim] and returns [b, s, dim] (the dense feed-forward signature)', () => {
    const ctx = createContext();
    manualSeed(1, ctx);
    const moe = new MoE(6, { experts: 4, topK: 2, hidden: 5, context: ctx, dtype: 'f64' });
    const x = randn([2, 3, 6], { dtype: 'f64', context: ctx });
    const y = moe.forward(x);
    expect(y.shape).toEqual([2, 3, 6]);
    const flat = nested(moe.forward(x.reshape([6, 6])));
    expect((y.arraySync() as Matrix[]).flat()).toEqual(flat);
  });

  it('dropless mode drops nothing however skewed the routing', async () => {
    const ctx = createContext();
    const c: Case = { name: 'skewed', options: { experts: 4, topK: 2, hidden: 4 }, tokens: 16, skew: true };
    const { moe, x } = build(c, ctx);
    const y = moe.forward(x);
    const ref = referenceMoE(nested(x), weightsOf(moe), refConfig(c, c.tokens));
    expect(ref.load[0]).toBe(16); // every token chose expert 0
    const m = await moe.metrics();
    expect(m.droppedFraction).toBe(0);
    expect(m.tokensPerExpert).toEqual(ref.load);
    expectClose(nested(y), ref.out);
  });

  it('rejects a mis-shaped input, naming the layer and shapes', () => {
    const ctx = createContext();
    const moe = new MoE(6, { experts: 4, topK: 2, hidden: 5, context: ctx });
    expect(() => moe.forward(randn([3, 5], { context: ctx }))).toThrow(/MoE.*\[\.\.\., 6\].*\[3, 5\]/);
    expect(() => new MoE(6, { experts: 4, topK: 5, hidden: 5, context: ctx })).toThrow(/topK 5, experts 4/);
  });
});

/**
 * Central finite differences of L = Σ r·MoE(x) for every element of x and of every parameter,
 * against the gradients backward accumulates (f64).
 */
async function finiteDifferenceCheck(moe: MoE, x: Tensor, ctx: Context): Promise<number> {
  const n = x.size;
  const r = tensor(
    Array.from({ length: n }, (_, i) => Math.sin(i + 1)),
    [...x.shape],
    { dtype: 'f64', context: ctx },
  );
  const loss = () => tidy(() => moe.forward(x).mul(r).sum().itemSync(), ctx);
  x.requiresGrad = true;
  tidy(() => backward(moe.forward(x).mul(r).sum()), ctx);
  const targets: [string, Tensor][] = [['x', x], ...moe.namedParameters()];
  const eps = 1e-6;
  let worst = 0;
  for (const [name, t] of targets) {
    const analytic = Array.from(t.grad!.dataSync());
    const values = Array.from(t.dataSync());
    for (let i = 0; i < values.length; i++) {
      const set = (v: number) => {
        const next = [...values];
        next[i] = v;
        t.assign(tensor(next, [...t.shape], { dtype: 'f64', context: ctx }));
      };
      set(values[i] + eps);
      const plus = loss();
      set(values[i] - eps);
      const minus = loss();
      set(values[i]);
      const numeric = (plus - minus) / (2 * eps);
      const err = Math.abs(analytic[i] - numeric) / (1 + Math.abs(numeric));
      if (!(err < 1e-6)) throw new Error(`${name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`);
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

describe('MoE gradients by finite differences (through the router)', () => {
  const gradCases: Case[] = [
    { name: 'softmax top-1', options: { experts: 3, topK: 1, hidden: 2 }, tokens: 4, dim: 3 },
    {
      name: 'softmax top-2 renormalized',
      options: { experts: 3, topK: 2, hidden: 2, renormalize: true },
      tokens: 4,
      dim: 3,
    },
    {
      name: 'sigmoid top-2, bias, scaling, shared expert',
      options: { experts: 4, topK: 2, hidden: 2, router: 'sigmoid', routedScaling: 2.446, sharedExperts: 1 },
      tokens: 3,
      dim: 3,
      bias: [0.2, -0.1, 0, 0.05],
    },
    { name: 'softmax top-6 of 8', options: { experts: 8, topK: 6, hidden: 2 }, tokens: 2, dim: 2 },
    {
      name: 'capacity mode',
      options: { experts: 3, topK: 2, hidden: 2, capacityFactor: 0.5 },
      tokens: 6,
      dim: 3,
      skew: true,
    },
    { name: 'a single token', options: { experts: 4, topK: 2, hidden: 2 }, tokens: 1, dim: 3 },
  ];
  for (const c of gradCases) {
    it(c.name, async () => {
      const ctx = createContext();
      const { moe, x } = build(c, ctx);
      const worst = await finiteDifferenceCheck(moe, x, ctx);
      expect(worst).toBeLessThan(1e-6);
    });
  }
});
