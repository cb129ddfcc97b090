import { describe, expect, it } from 'vitest';
import { CosineWithWarmup, LinearWarmupDecay, OneCycle, StepLR } from './lr-scheduler.js';

/** A stand-in optimizer: schedules only touch `paramGroups[i].lr`. */
const fakeOptimizer = (...lrs: number[]) => ({ paramGroups: lrs.map((lr) => ({ lr })) });

function trace(s: { step(): void; lr: number }, n: number): number[] {
  const out = [s.lr];
  for (let i = 1; i < n; i++) {
    s.step();
    out.push(s.lr);
  }
  return out;
}

const expectClose = (got: number[], want: number[]): void => {
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 12);
};

describe('learning-rate schedules', () => {
  it('StepLR multiplies by γ every stepSize steps, for every group', () => {
    const opt = fakeOptimizer(1, 0.5);
    const s = new StepLR(opt, { stepSize: 2, gamma: 0.1 });
    expectClose(trace(s, 5), [1, 1, 0.1, 0.1, 0.01]);
    expect(opt.paramGroups[1].lr).toBeCloseTo(0.005, 12);
  });

  it('CosineWithWarmup ramps linearly, then follows half a cosine to minLr', () => {
    const s = new CosineWithWarmup(fakeOptimizer(1), { warmupSteps: 2, totalSteps: 6, minLr: 0.1 });
    const cos = (p: number) => 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * p));
    expectClose(trace(s, 8), [0.5, 1, cos(0), cos(0.25), cos(0.5), cos(0.75), 0.1, 0.1]);
  });

  it('LinearWarmupDecay ramps up, then down to base·endFactor', () => {
    const s = new LinearWarmupDecay(fakeOptimizer(2), { warmupSteps: 2, totalSteps: 6, endFactor: 0.5 });
    expectClose(trace(s, 7), [1, 2, 2, 1.75, 1.5, 1.25, 1]);
  });

  it('OneCycle goes maxLr/25 → maxLr → maxLr/(25·10⁴) with cosine phases', () => {
    const s = new OneCycle(fakeOptimizer(123), {
      maxLr: 1,
      totalSteps: 11,
      pctStart: 0.5,
      cycleMomentum: false,
    });
    const lrs = trace(s, 11);
    const start = 1 / 25;
    const end = start / 1e4;
    // PyTorch: the peak is at step pct·total − 1 = 4.5; annealing between phases by cosine.
    const anneal = (a: number, b: number, p: number) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * p));
    expect(lrs[0]).toBeCloseTo(start, 12);
    expect(lrs[2]).toBeCloseTo(anneal(start, 1, 2 / 4.5), 12);
    expect(lrs[6]).toBeCloseTo(anneal(1, end, 1.5 / 5.5), 12);
    expect(lrs[10]).toBeCloseTo(end, 12);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1);
  });

  it('rejects bad settings', () => {
    expect(() => new StepLR(fakeOptimizer(1), { stepSize: 0 })).toThrow(
      /StepLR: stepSize must be a positive integer/,
    );
    expect(() => new CosineWithWarmup(fakeOptimizer(1), { warmupSteps: 5, totalSteps: 5 })).toThrow(
      /CosineWithWarmup: warmupSteps must be in \[0, totalSteps\)/,
    );
  });
});
