import { checkGrad, grad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor, zeros } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { type DpoLossOptions, dpoLoss, ktoLoss, simpoLoss } from './losses.js';
import { rewardAccuracy } from './reward-model.js';

const context = createContext();
manualSeed(5, context);
const f64 = { dtype: 'f64' as const, context };
const vec = (xs: number[]): Tensor => tensor(xs, f64);
const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float64Array);

/** σ(x) and log(1 + e^x), written out from their definitions for the expected values. */
const sigma = (x: number): number => 1 / (1 + Math.exp(-x));
const LN2 = Math.LN2;
// Hand-computed: log(1 + e^−1) and log(1 + e^1).
const SOFTPLUS_M1 = 0.31326168751822286;
const SOFTPLUS_1 = 1.3132616875182228;

/** The DPO family as a function of Δ alone (the reference at 0, the rejected response's ratio at 0). */
function lossAt(delta: number[], options: DpoLossOptions = {}): Tensor {
  const n = delta.length;
  return dpoLoss(
    {
      policyChosen: vec(delta),
      policyRejected: zeros([n], f64),
      referenceChosen: zeros([n], f64),
      referenceRejected: zeros([n], f64),
    },
    options,
  ).losses;
}

describe('dpoLoss (sigmoid)', () => {
  it('is ln 2 with zero rewards, margins and accuracy when the policy is the reference', () => {
    const logps = randn([6], f64).mul(5).sub(10);
    const other = randn([6], f64).mul(5).sub(10);
    const out = dpoLoss({
      policyChosen: logps,
      policyRejected: other,
      referenceChosen: logps,
      referenceRejected: other,
    });
    expect(out.loss.itemSync()).toBeCloseTo(LN2, 14);
    expect(values(out.chosenRewards)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(out.rejectedRewards)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(out.chosenRewards.sub(out.rejectedRewards).mean().itemSync()).toBe(0);
    expect(rewardAccuracy(out.chosenRewards, out.rejectedRewards).itemSync()).toBe(0);
  });

  it('is −log σ(βΔ) at hand-computed points, with rewards β·log-ratio', () => {
    // β = 0.5, Δ = 2: −log σ(1) = log(1 + e^−1); Δ = −2: log(1 + e).
    expect(values(lossAt([2, -2, 0], { beta: 0.5 }))).toEqual([
      expect.closeTo(SOFTPLUS_M1, 14),
      expect.closeTo(SOFTPLUS_1, 14),
      expect.closeTo(LN2, 14),
    ]);
    const out = dpoLoss(
      {
        policyChosen: vec([-3]),
        policyRejected: vec([-9]),
        referenceChosen: vec([-4]),
        referenceRejected: vec([-5]),
      },
      { beta: 0.25 },
    );
    // log-ratios +1 and −4: rewards 0.25 and −1, Δ = 5, loss −log σ(1.25).
    expect(out.chosenRewards.itemSync()).toBeCloseTo(0.25, 14);
    expect(out.rejectedRewards.itemSync()).toBeCloseTo(-1, 14);
    expect(out.loss.itemSync()).toBeCloseTo(-Math.log(sigma(1.25)), 14);
  });

  it('has ∂L/∂Δ = −β·σ(−βΔ) (finite differences), −β/2 at Δ = 0', async () => {
    const beta = 0.1;
    const deltas = [-30, -4, -1, 0, 0.5, 3, 25];
    const h = 1e-5;
    deltas.forEach((d) => {
      const numeric = (lossAt([d + h], { beta }).itemSync() - lossAt([d - h], { beta }).itemSync()) / (2 * h);
      expect(numeric).toBeCloseTo(-beta * sigma(-beta * d), 9);
    });
    const atZero = grad(
      (x: Tensor) =>
        dpoLoss(
          {
            policyChosen: x,
            policyRejected: vec([0]),
            referenceChosen: vec([0]),
            referenceRejected: vec([0]),
          },
          { beta },
        ).loss,
    )(vec([0]));
    expect(atZero.itemSync()).toBeCloseTo(-beta / 2, 14);
    await checkGrad(
      (pc, pr, rc, rr) =>
        dpoLoss(
          { policyChosen: pc, policyRejected: pr, referenceChosen: rc, referenceRejected: rr },
          { beta: 0.7 },
        ).losses,
      [randn([4], f64), randn([4], f64), randn([4], f64), randn([4], f64)],
    );
  });

  it('with label smoothing ε is conservative DPO: −(1 − ε)·log σ(βΔ) − ε·log σ(−βΔ)', () => {
    // β = 0.5, Δ = 2, ε = 0.2: 0.8·log(1 + e^−1) + 0.2·log(1 + e) = 0.5132616875182228.
    expect(lossAt([2], { beta: 0.5, labelSmoothing: 0.2 }).itemSync()).toBeCloseTo(0.5132616875182228, 14);
  });
});

describe('dpoLoss (robust)', () => {
  it('equals sigmoid at ε = 0', () => {
    const d = [-7, -1, 0, 0.3, 4, 40];
    expect(values(lossAt(d, { type: 'robust', beta: 0.3 }))).toEqual(values(lossAt(d, { beta: 0.3 })));
  });

  it('is (−(1 − ε)·log σ(βΔ) + ε·log σ(−βΔ)) / (1 − 2ε) at a hand-computed point', () => {
    // β = 0.5, Δ = 2, ε = 0.2: (0.8·0.31326168751822286 − 0.2·1.3132616875182228) / 0.6 = −0.0200716458151105
    expect(lossAt([2], { type: 'robust', beta: 0.5, labelSmoothing: 0.2 }).itemSync()).toBeCloseTo(
      -0.0200716458151105,
      13,
    );
  });

  it('is differentiable', async () => {
    await checkGrad(
      (pc) =>
        dpoLoss(
          {
            policyChosen: pc,
            policyRejected: vec([1, 2, 3]),
            referenceChosen: vec([0, 0, 0]),
            referenceRejected: vec([1, 1, 1]),
          },
          { type: 'robust', beta: 0.4, labelSmoothing: 0.1 },
        ).losses,
      [randn([3], f64)],
    );
  });
});

describe('dpoLoss (hinge)', () => {
  it('is relu(1 − βΔ)', () => {
    // β = 0.5: Δ = 1 → 0.5, Δ = 4 → 0, Δ = −2 → 2, Δ = 2 → 0 (the kink).
    expect(values(lossAt([1, 4, -2, 2], { type: 'hinge', beta: 0.5 }))).toEqual([0.5, 0, 2, 0]);
  });
});

describe('dpoLoss (ipo)', () => {
  const beta = 0.25; // target normalized margin 1/(2β) = 2
  const ipo = (pc: Tensor, lengths: [number, number]) =>
    dpoLoss(
      {
        policyChosen: pc,
        policyRejected: vec([-6]),
        referenceChosen: vec([-3]),
        referenceRejected: vec([-3]),
        chosenLength: vec([lengths[0]]),
        rejectedLength: vec([lengths[1]]),
      },
      { type: 'ipo', beta },
    ).loss;

  it('is (Δ/|y| − 1/(2β))² with per-token normalized log-ratios, at hand-computed points', () => {
    // |y_w| = 3, |y_l| = 2: the rejected ratio (−6 + 3)/2 = −1.5. Chosen −3 → ratio 0, Δ̄ = 1.5, loss 0.25.
    expect(ipo(vec([-3]), [3, 2]).itemSync()).toBeCloseTo(0.25, 14);
    // Chosen 0 → ratio 3/3 = 1, Δ̄ = 2.5, loss 0.25. Chosen −4.5 → −0.5, Δ̄ = 1, loss 1.
    expect(ipo(vec([0]), [3, 2]).itemSync()).toBeCloseTo(0.25, 14);
    expect(ipo(vec([-4.5]), [3, 2]).itemSync()).toBeCloseTo(1, 14);
  });

  it('is minimal (zero, with zero gradient) at Δ/|y| = 1/(2β)', () => {
    // Δ̄ = 2 needs a chosen ratio of 0.5 per token: log πθ(y_w) = −3 + 0.5·3 = −1.5.
    const best = -1.5;
    expect(ipo(vec([best]), [3, 2]).itemSync()).toBeCloseTo(0, 14);
    const g = grad((x: Tensor) => ipo(x, [3, 2]))(vec([best]));
    expect(g.itemSync()).toBeCloseTo(0, 14);
    const scan = [-3, -2, -1.6, -1.5, -1.4, -1, 0].map((x) => ipo(vec([x]), [3, 2]).itemSync());
    const argmin = scan.indexOf(Math.min(...scan));
    expect(argmin).toBe(3);
  });

  it('needs the lengths', () => {
    expect(() => lossAt([1], { type: 'ipo' })).toThrow(/chosenLength and rejectedLength/);
  });
});

describe('simpoLoss', () => {
  it('is −log σ(β·log π(y_w)/|y_w| − β·log π(y_l)/|y_l| − γ) at a hand-computed point', () => {
    // β = 2, γ = 1: rewards 2·(−3/3) = −2 and 2·(−8/4) = −4, h = 2 − 1 = 1, loss log(1 + e^−1).
    const out = simpoLoss(
      {
        policyChosen: vec([-3]),
        policyRejected: vec([-8]),
        chosenLength: vec([3]),
        rejectedLength: vec([4]),
      },
      { beta: 2, gamma: 1 },
    );
    expect(out.loss.itemSync()).toBeCloseTo(SOFTPLUS_M1, 14);
    expect(out.chosenRewards.itemSync()).toBeCloseTo(-2, 14);
    expect(out.rejectedRewards.itemSync()).toBeCloseTo(-4, 14);
  });

  it('is differentiable', async () => {
    await checkGrad(
      (pc, pr) =>
        simpoLoss({
          policyChosen: pc,
          policyRejected: pr,
          chosenLength: vec([2, 5]),
          rejectedLength: vec([3, 1]),
        }).losses,
      [randn([2], f64), randn([2], f64)],
    );
  });
});

describe('ktoLoss', () => {
  it('is λ_D·(1 − σ(β(r − z₀))) for desirable and λ_U·(1 − σ(β(z₀ − r))) for undesirable responses', () => {
    // β = 0.5, r = 2 for both, z₀ = 0: desirable 1 − σ(1) = 0.2689414213699951,
    // undesirable 1 − σ(−1) = 0.7310585786300049; weighted by λ_D = 1, λ_U = 2.
    const out = ktoLoss(
      { policy: vec([-1, -1]), reference: vec([-3, -3]), desirable: tensor([true, false], { context }) },
      { beta: 0.5, undesirableWeight: 2 },
    );
    expect(values(out.losses)).toEqual([
      expect.closeTo(0.2689414213699951, 14),
      expect.closeTo(1.4621171572600098, 14),
    ]);
    expect(values(out.rewards)).toEqual([1, 1]);
  });

  it('uses the clamped mean log-ratio of mismatched pairs as the reference point z₀', () => {
    const inputs = { policy: vec([0]), reference: vec([-2]), desirable: tensor([true], { context }) };
    // Mean mismatched ratio −2 clamps to z₀ = 0; mean 2 gives z₀ = 2 and a desirable loss 1 − σ(0) = 0.5.
    const low = ktoLoss({ ...inputs, klLogRatios: vec([-1, -3]) }, { beta: 1 });
    expect(low.kl.itemSync()).toBe(0);
    expect(low.loss.itemSync()).toBeCloseTo(1 - sigma(2), 14);
    const high = ktoLoss({ ...inputs, klLogRatios: vec([1, 3]) }, { beta: 1 });
    expect(high.kl.itemSync()).toBe(2);
    expect(high.loss.itemSync()).toBeCloseTo(0.5, 14);
  });

  it('is differentiable in the policy log-probs (z₀ detached)', async () => {
    const desirable = tensor([true, false, true], { context });
    await checkGrad(
      (p) => ktoLoss({ policy: p, reference: vec([0.1, -0.3, 0.2]), desirable }, { beta: 0.8 }).losses,
      [randn([3], f64)],
    );
  });
});

describe('loss argument checks', () => {
  it('name the function and the bad value', () => {
    expect(() => lossAt([1], { beta: 0 })).toThrow(/dpoLoss: beta must be positive/);
    expect(() => lossAt([1], { labelSmoothing: 0.5 })).toThrow(/labelSmoothing must be in \[0, 0.5\)/);
    expect(() => lossAt([1], { type: 'hinge', labelSmoothing: 0.1 })).toThrow(/not 'hinge'/);
    expect(() => lossAt([1], { type: 'nope' as 'hinge' })).toThrow(/type must be/);
    expect(() =>
      dpoLoss({
        policyChosen: vec([1, 2]),
        policyRejected: vec([1]),
        referenceChosen: vec([1, 2]),
        referenceRejected: vec([1, 2]),
      }),
    ).toThrow(/policyRejected \[1\] must match policyChosen \[2\]/);
    expect(() => ktoLoss({ policy: vec([1]), reference: vec([1]), desirable: vec([1]) })).toThrow(
      /desirable must be a bool tensor/,
    );
  });
});
