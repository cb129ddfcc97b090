import { type Context, manualSeed, randn, type Tensor, tensor } from '@tessera/core';
import { expect } from 'vitest';
import { MoE, type MoEOptions } from '../moe.js';
import { expertCapacity } from '../routing.js';
import type { Matrix, ReferenceConfig, ReferenceWeights } from './reference.js';

/** The test cases of the MoE layer, shared by the CPU and WebGPU tests. */

export const nested = (t: Tensor): Matrix => t.arraySync() as Matrix;

/** Every element of `got` within 10^−digits/2 of `want` (toBeCloseTo's rule). */
export function expectClose(got: Matrix, want: Matrix, digits = 12): void {
  expect(got.length).toBe(want.length);
  for (let t = 0; t < want.length; t++) {
    for (let d = 0; d < want[t].length; d++) expect(got[t][d]).toBeCloseTo(want[t][d], digits);
  }
}

/** A CPU module's weights in the reference's layout. */
export function weightsOf(moe: MoE): ReferenceWeights {
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

export interface Case {
  name: string;
  options: Omit<MoEOptions, 'context' | 'dtype'>;
  tokens: number;
  dim?: number;
  /** Sets the selection bias. */
  bias?: number[];
  /** Makes x's first feature large and expert 0's gate follow it: routing skewed onto expert 0. */
  skew?: boolean;
}

/** The module (on the CPU) and its input for a case. */
export function build(c: Case, ctx: Context, dtype: 'f32' | 'f64' = 'f64'): { moe: MoE; x: Tensor } {
  manualSeed(7, ctx);
  const dim = c.dim ?? 6;
  const moe = new MoE(dim, { ...c.options, context: ctx, dtype });
  if (c.bias) moe.router.bias.assign(tensor(c.bias, [c.bias.length], { dtype, context: ctx }));
  const x = randn([c.tokens, dim], { dtype, context: ctx });
  if (!c.skew) return { moe, x };
  const g = nested(moe.router.gate.weight).map((row, e) => row.map((v, i) => (e === 0 && i === 0 ? 8 : v)));
  moe.router.gate.weight.assign(tensor(g.flat(), [g.length, dim], { dtype, context: ctx }));
  const xs = nested(x).map((row) => [Math.abs(row[0]) + 2, ...row.slice(1)]);
  return { moe, x: tensor(xs.flat(), [c.tokens, dim], { dtype, context: ctx }) };
}

export function refConfig(c: Case): ReferenceConfig {
  const o = c.options;
  const cf = o.capacityFactor ?? null;
  return {
    router: o.router ?? 'softmax',
    topK: o.topK,
    renormalize: o.renormalize,
    routedScaling: o.routedScaling,
    capacity: cf === null ? null : expertCapacity(c.tokens, o.topK, o.experts, cf),
  };
}

/** Forward cases: both routers, k ∈ {1, 2, 6}, shared experts, capacity dropping, idle experts, one token. */
export const CASES: Case[] = [
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
  { name: 'experts that receive no token', options: { experts: 8, topK: 1, hidden: 3 }, tokens: 3 },
  { name: 'a single token', options: { experts: 4, topK: 2, hidden: 3, sharedExperts: 1 }, tokens: 1 },
  {
    name: 'dropless under skew (every token on expert 0)',
    options: { experts: 4, topK: 2, hidden: 4 },
    tokens: 16,
    skew: true,
  },
];

/** Gradient cases (small: every element gets a finite difference). */
export const GRAD_CASES: Case[] = [
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

/**
 * The balancing tests' skewed router (on the CPU of `ctx`): 8 experts, top-2, sigmoid scores with
 * routed scaling 2.446, expert e's gate leaning on the first input feature by (8 − 1 − e)/2. With
 * inputs whose first feature has mean 1 (`SKEW_SHIFT` added to N(0, 1)) it loads expert 0 most.
 */
export function skewedSigmoidMoE(ctx: Context): MoE {
  const E = 8;
  const dim = 8;
  manualSeed(11, ctx);
  const moe = new MoE(dim, {
    experts: E,
    topK: 2,
    hidden: 1,
    router: 'sigmoid',
    routedScaling: 2.446,
    context: ctx,
  });
  const gate = Array.from(moe.router.gate.weight.dataSync());
  for (let e = 0; e < E; e++) gate[e * dim] = (E - 1 - e) / 2;
  moe.router.gate.weight.assign(tensor(gate, [E, dim], { context: ctx }));
  return moe;
}

export const SKEW_SHIFT = [1, 0, 0, 0, 0, 0, 0, 0];
