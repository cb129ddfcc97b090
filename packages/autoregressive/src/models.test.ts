import { grad, noGrad } from '@tessera/autograd';
import { type Context, createContext, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { FVSBN } from './fvsbn.js';
import { MADE, type MADEOptions } from './made.js';
import { NADE } from './nade.js';

interface Model {
  readonly n: number;
  readonly ordering: readonly number[];
  conditionalLogits(x: Tensor): Tensor;
  logProb(x: Tensor): Tensor;
  sample(count: number, options: { seed: number }): Tensor;
  numParameters(): number;
  parameters(): Tensor[];
}

/** Every binary vector of length n, [2ⁿ, n], bit j of row r being x_j (f64). */
function allBinary(n: number, context: Context): Tensor {
  const rows = 2 ** n;
  const data = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) data[r * n + j] = (r >> j) & 1;
  return tensor(data, [rows, n], { dtype: 'f64', context });
}

/** Multiplies every parameter by `scale`, so the conditionals are far from ½ (sharper tests). */
function sharpen(model: { parameters(): Tensor[] }, scale: number, context: Context): void {
  noGrad(() => {
    for (const p of model.parameters()) tidy(() => p.assign(p.mul(scale)), context);
  }, context);
}

const MADE_VARIANTS: [string, MADEOptions][] = [
  ['one hidden layer, natural order', { hidden: [12] }],
  ['two hidden layers, random orders, 3 masks', { hidden: [10, 9], masks: 3, ordering: 'random', seed: 4 }],
  [
    'direct connections, random orders, 2 masks',
    { hidden: [8], masks: 2, ordering: 'random', direct: true, seed: 9 },
  ],
];

function makeModels(n: number, context: Context): [string, Model][] {
  manualSeed(3, context);
  const models: [string, Model][] = [
    ['FVSBN', new FVSBN(n, { dtype: 'f64', context })],
    ['NADE', new NADE(n, { hidden: 7, dtype: 'f64', context })],
  ];
  for (const [name, o] of MADE_VARIANTS)
    models.push([`MADE (${name})`, new MADE(n, { ...o, dtype: 'f64', context })]);
  return models;
}

describe('the autoregressive property, by autograd', () => {
  const context = createContext();
  const n = 6;
  const rng = new Rng(11);
  // Values in (0, 1) rather than bits, so that no gradient vanishes just because an input is 0.
  const x = tensor(
    Float64Array.from({ length: n }, () => 0.1 + 0.8 * rng.next()),
    [1, n],
    { dtype: 'f64', context },
  );
  const check = (model: Model, logitsOf: (x: Tensor) => Tensor, ordering: readonly number[]): void => {
    let dependsOnEarlier = 0;
    ordering.forEach((v, t) => {
      // log p(x_v = 1 | ·) = log σ(l_v): its gradient in x_u must vanish for every u at or after v.
      const g = grad((input: Tensor) => logitsOf(input).narrow(1, v, 1).neg().softplus().neg().sum())(
        x,
      ).dataSync();
      for (let s = t; s < n; s++) expect(g[ordering[s]], `∂ log p(x_${v}) / ∂x_${ordering[s]}`).toBe(0);
      for (let s = 0; s < t; s++) if (g[ordering[s]] !== 0) dependsOnEarlier++;
    });
    // Not vacuous: most conditionals do depend on the variables before them.
    expect(dependsOnEarlier).toBeGreaterThan((n * (n - 1)) / 4);
    expect(model.n).toBe(n);
  };

  for (const [name, model] of makeModels(n, context)) {
    it(`${name}: ∂ log p(x_i = 1 | ·)/∂x_j = 0 for every j at or after i in the ordering`, () => {
      if (model instanceof MADE) {
        for (let k = 0; k < model.maskSets.length; k++) {
          check(model, (input) => model.conditionalLogits(input, { mask: k }), model.maskSets[k].ordering);
        }
      } else {
        check(model, (input) => model.conditionalLogits(input), model.ordering);
      }
    });
  }

  it('MADE with random orders uses different orderings per mask set, each a permutation', () => {
    const made = new MADE(n, { hidden: [5], masks: 4, ordering: 'random', seed: 1, context });
    const orders = made.maskSets.map((s) => s.ordering.join(','));
    expect(new Set(orders).size).toBeGreaterThan(1);
    for (const s of made.maskSets) expect([...s.ordering].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('exact normalization', () => {
  it('at n = 10 the probabilities of all 1,024 binary vectors sum to 1 within 1e-6', () => {
    const context = createContext();
    const xs = allBinary(10, context);
    for (const [name, model] of makeModels(10, context)) {
      sharpen(model, 3, context);
      const p = tidy(() => model.logProb(xs).exp(), context).dataSync();
      const total = Array.from(p).reduce((a, b) => a + b, 0);
      expect(Math.abs(total - 1), name).toBeLessThan(1e-6);
      // Far from uniform, so the sum is not 1 by accident of equal terms.
      expect(Math.max(...p), name).toBeGreaterThan(4 / 1024);
    }
  });
});

describe('parameter counts', () => {
  it('FVSBN has n(n+1)/2 parameters: 307,720 at n = 784', () => {
    const context = createContext();
    const n = 784;
    const model = new FVSBN(n, { context });
    expect(model.numParameters()).toBe((n * (n + 1)) / 2);
    expect(model.numParameters()).toBe(307_720);
  });

  it('NADE has 2nd + n + d parameters: 785,284 at n = 784, d = 500', () => {
    const context = createContext();
    const [n, d] = [784, 500];
    const model = new NADE(n, { hidden: d, context });
    expect(model.numParameters()).toBe(2 * n * d + n + d);
    expect(model.numParameters()).toBe(785_284);
  });

  it('MADE counts the weights and biases of its layers (masks are buffers)', () => {
    const context = createContext();
    const model = new MADE(20, { hidden: [7, 5], direct: true, context });
    expect(model.numParameters()).toBe(20 * 7 + 7 + 7 * 5 + 5 + 5 * 20 + 20 + 20 * 20);
  });
});

describe('ancestral sampling', () => {
  it('at n = 3 the frequencies of the 8 vectors match the exhaustive conditionals', () => {
    const context = createContext();
    const xs = allBinary(3, context);
    const count = 40_000;
    for (const [name, model] of makeModels(3, context)) {
      sharpen(model, 4, context);
      const p = tidy(() => model.logProb(xs).exp(), context).dataSync();
      const samples = model.sample(count, { seed: 5 });
      expect(samples.shape).toEqual([count, 3]);
      const s = samples.dataSync();
      const freq = new Array(8).fill(0);
      for (let r = 0; r < count; r++) freq[s[r * 3] + 2 * s[r * 3 + 1] + 4 * s[r * 3 + 2]]++;
      for (let r = 0; r < 8; r++) {
        // Within 5 standard errors of the exact probability.
        const se = Math.sqrt((p[r] * (1 - p[r])) / count);
        expect(Math.abs(freq[r] / count - p[r]), `${name}, vector ${r}`).toBeLessThanOrEqual(5 * se + 1e-9);
      }
      expect(Math.max(...p) - Math.min(...p), name).toBeGreaterThan(0.1);
      // The seed fixes the samples.
      const again = model.sample(200, { seed: 6 }).dataSync();
      expect(model.sample(200, { seed: 6 }).dataSync(), name).toEqual(again);
      expect(model.sample(200, { seed: 7 }).dataSync(), name).not.toEqual(again);
    }
  });
});

describe('each model against a reference written apart', () => {
  it('FVSBN: lᵢ = bᵢ + Σⱼ₍<ᵢ₎ Wᵢⱼxⱼ from the packed weights, by loops', () => {
    const context = createContext();
    manualSeed(1, context);
    const n = 9;
    const model = new FVSBN(n, { dtype: 'f64', context });
    sharpen(model, 5, context);
    const w = model.weight.dataSync();
    const b = model.bias.dataSync();
    expect(w.length).toBe((n * (n - 1)) / 2);
    const xs = allBinary(n, context).narrow(0, 100, 20);
    const x = xs.dataSync();
    const got = model.logProb(xs).dataSync();
    for (let r = 0; r < 20; r++) {
      let logp = 0;
      let at = 0;
      for (let i = 0; i < n; i++) {
        let l = b[i];
        for (let j = 0; j < i; j++) l += w[at++] * x[r * n + j];
        const p1 = 1 / (1 + Math.exp(-l));
        logp += Math.log(x[r * n + i] === 1 ? p1 : 1 - p1);
      }
      expect(got[r]).toBeCloseTo(logp, 10);
    }
  });

  it('MADE: the ensemble is log of the mean of the K single-mask probabilities', () => {
    const context = createContext();
    manualSeed(2, context);
    const made = new MADE(5, { hidden: [6], masks: 3, ordering: 'random', seed: 3, dtype: 'f64', context });
    sharpen(made, 2, context);
    const xs = allBinary(5, context);
    const single = [0, 1, 2].map((k) => made.logProb(xs, { mask: k }).dataSync());
    const ensemble = made.logProb(xs).dataSync();
    for (let r = 0; r < 32; r++) {
      const mean = (Math.exp(single[0][r]) + Math.exp(single[1][r]) + Math.exp(single[2][r])) / 3;
      expect(ensemble[r]).toBeCloseTo(Math.log(mean), 10);
    }
    // The mask sets really differ: the single-mask models disagree somewhere.
    expect(single[0].some((v, r) => Math.abs(v - single[1][r]) > 1e-3)).toBe(true);
    // useMask switches the buffers; conditionalLogits then matches the per-call mask.
    made.useMask(2);
    const viaBuffers = made.conditionalLogits(xs).dataSync();
    const viaCall = made.conditionalLogits(xs, { mask: 2 }).dataSync();
    made.useMask(0);
    const viaCallOther = made.conditionalLogits(xs, { mask: 2 }).dataSync();
    expect(viaBuffers).toEqual(viaCall);
    expect(viaCallOther).toEqual(viaCall);
  });

  it('rejects bad inputs with errors that name the model and shapes', () => {
    const context = createContext();
    const x = tensor([[1, 0, 1]], { context });
    expect(() => new FVSBN(4, { context }).logProb(x)).toThrow(
      /FVSBN: input must be \[batch, 4\], got \[1, 3\]/,
    );
    expect(() => new NADE(4, { hidden: 2, context }).logProb(x)).toThrow(/NADE: input must be \[batch, 4\]/);
    expect(() => new MADE(1, { context })).toThrow(/integer ≥ 2, got 1/);
    expect(() => new MADE(3, { hidden: [], context })).toThrow(/hidden must be one or more/);
    expect(() => new MADE(3, { hidden: [4], masks: 2, context }).useMask(2)).toThrow(/in \[0, 1\], got 2/);
    expect(() => new NADE(3, { hidden: 2, context }).sample(0, { seed: 1 })).toThrow(
      /positive integer, got 0/,
    );
  });
});
