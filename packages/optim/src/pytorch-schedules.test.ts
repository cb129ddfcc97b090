import { requiresGrad } from '@tessera/autograd';
import { createContext, keep, randn } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { CosineAnnealingLR, OneCycle } from './lr-scheduler.js';

// References written from PyTorch's documented definitions (torch.optim.lr_scheduler), apart
// from the code under test.

/**
 * CosineAnnealingLR as PyTorch computes it step by step (its chainable get_lr): each lr derives
 * from the previous one, with the special step after each minimum where the ratio would divide by 0.
 */
function recursiveCosine(base: number, etaMin: number, tMax: number, steps: number): number[] {
  const lrs = [base];
  let lr = base;
  for (let e = 1; e < steps; e++) {
    if ((e - 1 - tMax) % (2 * tMax) === 0) lr += ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    else
      lr =
        ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) +
        etaMin;
    lrs.push(lr);
  }
  return lrs;
}

const groups = (...lrs: number[]) => ({ paramGroups: lrs.map((lr) => ({ lr })) });

describe('CosineAnnealingLR (PyTorch-exact)', () => {
  it('agrees with PyTorch’s recursive form for 5·tMax steps, past tMax included', () => {
    const tMax = 10;
    const etaMin = 0.01;
    const opt = groups(0.1, 0.5);
    const s = new CosineAnnealingLR(opt, { tMax, etaMin });
    const ref0 = recursiveCosine(0.1, etaMin, tMax, 5 * tMax);
    const ref1 = recursiveCosine(0.5, etaMin, tMax, 5 * tMax);
    for (let t = 0; t < 5 * tMax; t++) {
      if (t > 0) s.step();
      expect(opt.paramGroups[0].lr).toBeCloseTo(ref0[t], 12);
      expect(opt.paramGroups[1].lr).toBeCloseTo(ref1[t], 12);
    }
  });

  it('keeps following the cosine after tMax: back up to the base lr at 2·tMax', () => {
    const s = new CosineAnnealingLR(groups(1), { tMax: 4, etaMin: 0.2 });
    const lrs = [s.lr];
    for (let t = 1; t <= 12; t++) {
      s.step();
      lrs.push(s.lr);
    }
    // ηmin + (1 − ηmin)·½(1 + cos(πt/4)): t = 4 → ηmin, t = 6 → midway, t = 8 → base, t = 12 → ηmin.
    expect(lrs[4]).toBeCloseTo(0.2, 12);
    expect(lrs[5]).toBeCloseTo(0.2 + 0.8 * 0.5 * (1 - Math.SQRT1_2), 12);
    expect(lrs[6]).toBeCloseTo(0.6, 12);
    expect(lrs[8]).toBeCloseTo(1, 12);
    expect(lrs[12]).toBeCloseTo(0.2, 12);
    expect(lrs[5]).toBeGreaterThan(lrs[4]);
  });

  it('T_max = 2 from lr 0.1 gives 0.05, 0, 0.05, 0.1, 0.05, 0 (the documented example of a port of it)', () => {
    const s = new CosineAnnealingLR(groups(0.1), { tMax: 2 });
    const got: number[] = [];
    for (let i = 0; i < 6; i++) {
      s.step();
      got.push(s.lr);
    }
    expect(got).toEqual([0.05, 0, 0.05, 0.1, 0.05, 0].map((v) => expect.closeTo(v, 15)));
  });

  it('rejects bad and unknown options', () => {
    expect(() => new CosineAnnealingLR(groups(1), { tMax: 0 })).toThrow(
      /CosineAnnealingLR: tMax must be a positive integer/,
    );
    expect(() => new CosineAnnealingLR(groups(1), { tMax: 3, etaMin: -1 })).toThrow(/etaMin must be/);
    expect(() => new CosineAnnealingLR(groups(1), { T_max: 3 } as never)).toThrow(
      /CosineAnnealingLR: unknown option 'T_max' \(known options: tMax, etaMin\)/,
    );
  });
});

/** PyTorch's OneCycleLR (two phases, cos annealing): the lr and momentum at a step. */
function oneCycleRef(
  o: { maxLr: number; total: number; pct: number },
  step: number,
): { lr: number; m: number } {
  const initial = o.maxLr / 25;
  const final = initial / 1e4;
  const anneal = (a: number, b: number, p: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1);
  const phases = [
    { end: o.pct * o.total - 1, lr: [initial, o.maxLr], m: [0.95, 0.85] },
    { end: o.total - 1, lr: [o.maxLr, final], m: [0.85, 0.95] },
  ];
  let start = 0;
  for (const [i, ph] of phases.entries()) {
    if (step <= ph.end || i === phases.length - 1) {
      const p = (step - start) / (ph.end - start);
      return { lr: anneal(ph.lr[0], ph.lr[1], p), m: anneal(ph.m[0], ph.m[1], p) };
    }
    start = ph.end;
  }
  throw new Error('unreachable');
}

describe('OneCycle momentum cycling (PyTorch default cycle_momentum=True)', () => {
  it('cycles SGD’s momentum 0.95 → 0.85 → 0.95, inversely to the lr', () => {
    const opt = { paramGroups: [{ lr: 0.1, momentum: 0.9 }] };
    const s = new OneCycle(opt, { maxLr: 1, totalSteps: 20, pctStart: 0.3 });
    for (let t = 0; t < 20; t++) {
      if (t > 0) s.step();
      const ref = oneCycleRef({ maxLr: 1, total: 20, pct: 0.3 }, t);
      expect(opt.paramGroups[0].lr).toBeCloseTo(ref.lr, 12);
      expect(opt.paramGroups[0].momentum).toBeCloseTo(ref.m, 12);
    }
    expect(opt.paramGroups[0].momentum).toBeCloseTo(0.95, 12);
  });

  it('cycles Adam’s β₁ and leaves β₂ alone', () => {
    const context = createContext();
    const p = requiresGrad(keep(randn([2], { context })));
    const adam = new Adam([p], { lr: 1e-3, betas: [0.9, 0.99] });
    const s = new OneCycle(adam, {
      maxLr: 0.01,
      totalSteps: 10,
      pctStart: 0.5,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    });
    expect(adam.paramGroups[0].betas).toEqual([0.9, 0.99]);
    for (let t = 1; t <= 4; t++) s.step();
    // Step 4 is the peak (0.5·10 − 1): β₁ at its base.
    expect(adam.paramGroups[0].betas[0]).toBeCloseTo(0.8, 12);
    expect(adam.paramGroups[0].betas[1]).toBe(0.99);
    s.step();
    const p5 = 1 / 5;
    expect(adam.paramGroups[0].betas[0]).toBeCloseTo(
      0.9 + ((0.8 - 0.9) / 2) * (1 + Math.cos(Math.PI * p5)),
      12,
    );
  });

  it('cycleMomentum: false leaves momentum alone; without momentum or betas it is an error', () => {
    const opt = { paramGroups: [{ lr: 0.1, momentum: 0.5 }] };
    const s = new OneCycle(opt, { maxLr: 1, totalSteps: 5, cycleMomentum: false });
    s.step();
    expect(opt.paramGroups[0].momentum).toBe(0.5);
    expect(() => new OneCycle(groups(1), { maxLr: 1, totalSteps: 5 })).toThrow(
      /OneCycle: group 0 has neither momentum nor betas to cycle/,
    );
    expect(
      () => new OneCycle(groups(1), { maxLr: 1, totalSteps: 5, cycle_momentum: false } as never),
    ).toThrow(/OneCycle: unknown option 'cycle_momentum'/);
    expect(
      () => new OneCycle(opt, { maxLr: 1, totalSteps: 5, baseMomentum: 0.99, maxMomentum: 0.9 }),
    ).toThrow(/baseMomentum ≤ maxMomentum/);
  });
});
