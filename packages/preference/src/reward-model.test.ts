import { backward, checkGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Adam } from '@tessera/optim';
import { describe, expect, it } from 'vitest';
import { bradleyTerryLoss, RewardHead, rewardAccuracy } from './reward-model.js';

const context = createContext({ cpu: { threads: 1 } });
manualSeed(21, context);
const f64 = { dtype: 'f64' as const, context };
const vec = (xs: number[]): Tensor => tensor(xs, f64);

describe('bradleyTerryLoss', () => {
  it('is −log σ(r_w − r_l − m), averaged, at hand-computed points', () => {
    // Differences 0, 1 and −1: ln 2, log(1 + e^−1), log(1 + e); mean 0.7792235...
    const loss = bradleyTerryLoss(vec([1, 2, 0]), vec([1, 1, 1])).itemSync();
    expect(loss).toBeCloseTo((Math.LN2 + 0.31326168751822286 + 1.3132616875182228) / 3, 14);
    // A margin of 1 on a difference of 2 leaves log(1 + e^−1).
    expect(bradleyTerryLoss(vec([3]), vec([1]), { margin: 1 }).itemSync()).toBeCloseTo(
      0.31326168751822286,
      14,
    );
  });

  it('is differentiated correctly in both rewards (finite differences)', async () => {
    await checkGrad(
      (c, r) => bradleyTerryLoss(c, r, { margin: vec([0.5, 0, -1, 2]) }),
      [randn([4], f64), randn([4], f64)],
    );
  });
});

describe('rewardAccuracy', () => {
  it('counts strictly higher chosen rewards (ties are not correct)', () => {
    expect(rewardAccuracy(vec([1, 2, 3, 4]), vec([0, 2, 5, 3])).itemSync()).toBe(0.5);
  });
});

describe('RewardHead', () => {
  it('reads each sequence at its last token: r = w·h_last + b', () => {
    const head = new RewardHead(3, { dtype: 'f64', context });
    const hidden = randn([2, 4, 3], f64);
    const rewards = head.forward(hidden, tensor([1, 3], { dtype: 'i32', context })).dataSync();
    const h = hidden.arraySync() as number[][][];
    const w = head.score.weight.arraySync() as number[][];
    const b = head.score.bias!.itemSync();
    const dot = (x: number[]) => x.reduce((acc, xi, i) => acc + xi * w[0][i], b);
    expect(rewards[0]).toBeCloseTo(dot(h[0][1]), 12);
    expect(rewards[1]).toBeCloseTo(dot(h[1][3]), 12);
    expect(head.forward(randn([5, 3], f64)).shape).toEqual([5]);
    expect(() => head.forward(hidden)).toThrow(/need the last token positions as i32 \[2\]/);
    expect(() => head.forward(randn([2, 4], f64))).toThrow(/features must be \[b, 3\] or \[b, s, 3\]/);
  });

  it('learns a hidden linear preference from pairs (held-out reward accuracy ≥ 0.95)', () => {
    // Preferences come from a true reward u·x; the head sees only which of two feature vectors won.
    const rng = new Rng(22);
    const u = [1.5, -2, 0.5, 1];
    const feature = () => u.map(() => rng.normal());
    const makePairs = (n: number) => {
      const chosen: number[][] = [];
      const rejected: number[][] = [];
      for (let i = 0; i < n; i++) {
        const [a, b] = [feature(), feature()];
        const score = (x: number[]) => x.reduce((acc, xi, k) => acc + xi * u[k], 0);
        const aWins = score(a) > score(b);
        chosen.push(aWins ? a : b);
        rejected.push(aWins ? b : a);
      }
      return { chosen: tensor(chosen, { context }), rejected: tensor(rejected, { context }) };
    };
    const train = makePairs(256);
    const test = makePairs(200);
    const head = new RewardHead(4, { context });
    const optimizer = new Adam(head.parameters(), { lr: 0.05 });
    const accuracy = () =>
      tidy(() => rewardAccuracy(head.forward(test.chosen), head.forward(test.rejected)).itemSync(), context);
    const before = accuracy();
    for (let step = 0; step < 150; step++) {
      tidy(
        () => backward(bradleyTerryLoss(head.forward(train.chosen), head.forward(train.rejected))),
        context,
      );
      optimizer.step();
      optimizer.zeroGrad();
    }
    expect(accuracy()).toBeGreaterThanOrEqual(0.95);
    expect(before).toBeLessThan(0.95);
  });
});
