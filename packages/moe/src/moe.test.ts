import { backward } from '@tessera/autograd';
import { type Context, createContext, manualSeed, randn, type Tensor, tensor, tidy } from '@tessera/core';
import { SwiGLU } from '@tessera/nn';
import { describe, expect, it } from 'vitest';
import { moeFeedForward, moeLayers } from './feed-forward.js';
import { MoE } from './moe.js';
import { SoftmaxRouter } from './router.js';
import { build, CASES, expectClose, GRAD_CASES, nested, refConfig, weightsOf } from './testing/cases.js';
import { type Matrix, referenceMoE } from './testing/reference.js';

describe('MoE forward against the naive per-token reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ctx = createContext();
      const { moe, x } = build(c, ctx);
      const y = moe.forward(x);
      const ref = referenceMoE(nested(x), weightsOf(moe), refConfig(c));
      expectClose(nested(y), ref.out);
      const m = await moe.metrics();
      expect(m.tokensPerExpert).toEqual(ref.load);
      expect(m.droppedFraction).toBeCloseTo(ref.dropped / (c.tokens * c.options.topK), 12);
      if (c.name.startsWith('capacity')) expect(ref.dropped).toBeGreaterThan(0);
      if (c.name.startsWith('experts that'))
        expect(ref.load.filter((l) => l === 0).length).toBeGreaterThan(0);
      if (c.name.startsWith('dropless')) {
        expect(ref.load[0]).toBe(c.tokens);
        expect(m.droppedFraction).toBe(0);
      }
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
  for (const c of GRAD_CASES) {
    it(c.name, async () => {
      const ctx = createContext();
      const { moe, x } = build(c, ctx);
      const worst = await finiteDifferenceCheck(moe, x, ctx);
      expect(worst).toBeLessThan(1e-6);
    });
  }
});

describe('router jitter and the feed-forward factory', () => {
  it('jitter scales each input element by a factor in [1 − ε, 1 + ε] in training only', () => {
    const ctx = createContext();
    manualSeed(2, ctx);
    const router = new SoftmaxRouter(3, { experts: 4, topK: 1, jitter: 0.2, context: ctx, dtype: 'f64' });
    // One-hot tokens: token t's logits are u·W[:, t mod 3] for the one factor u its element got.
    const x = tensor([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0], [4, 3], { dtype: 'f64', context: ctx });
    const w = nested(router.gate.weight);
    const plain = nested(router.eval().forward(x).logits);
    const jittered = nested(router.train().forward(x).logits);
    const factors = new Set<string>();
    jittered.forEach((row, t) => {
      const u = row[0] / w[0][t % 3];
      expect(u).toBeGreaterThanOrEqual(0.8);
      expect(u).toBeLessThanOrEqual(1.2);
      for (const [e, v] of row.entries()) expect(v).toBeCloseTo(u * w[e][t % 3], 12);
      expect(plain[t][0]).toBeCloseTo(w[0][t % 3], 12);
      factors.add(u.toFixed(9));
    });
    expect(factors.size).toBe(4); // drawn per element, not one factor for all
  });

  it('moeFeedForward keeps the first layers dense and makes MoE layers after them', () => {
    const ctx = createContext();
    const make = moeFeedForward({ dim: 6, experts: 4, topK: 2, hidden: 8, denseLayers: 1, denseHidden: 16 });
    const first = make(0, { context: ctx });
    const second = make(1, { context: ctx });
    expect(first).toBeInstanceOf(SwiGLU);
    expect((first as SwiGLU).w1.outFeatures).toBe(16);
    expect(second).toBeInstanceOf(MoE);
    expect(moeLayers(second)).toEqual([second]);
    expect((second as MoE).forward(randn([2, 3, 6], { context: ctx })).shape).toEqual([2, 3, 6]);
  });
});
