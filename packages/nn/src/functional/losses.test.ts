import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';
import { crossEntropy, nllLoss } from './cross-entropy.js';
import { dropout } from './dropout.js';
import { klDiv } from './kl-div.js';
import { logSoftmaxRow } from './loss-reference.test-support.js';
import { mseLoss } from './mse-loss.js';

const context = createContext();
const f64 = { dtype: 'f64' as const, context };
const i32 = { dtype: 'i32' as const, context };

const LOGITS = [
  [1, 2, 3],
  [0.5, -1, 0],
  [2, 2, -2],
];

describe('crossEntropy', () => {
  it('matches −log softmax at the target, averaged over the rows not ignored', () => {
    const lp = LOGITS.map(logSoftmaxRow);
    const x = tensor(LOGITS, f64);
    expect(crossEntropy(x, tensor([2, 0, 1], i32)).itemSync()).toBeCloseTo(
      -(lp[0][2] + lp[1][0] + lp[2][1]) / 3,
      12,
    );
    const ignored = crossEntropy(x, tensor([2, -100, 1], i32)).itemSync();
    expect(ignored).toBeCloseTo(-(lp[0][2] + lp[2][1]) / 2, 12);
    const ignored7 = crossEntropy(x, tensor([7, 0, 7], i32), { ignoreIndex: 7, reduction: 'sum' }).itemSync();
    expect(ignored7).toBeCloseTo(-lp[1][0], 12);
    expect(Array.from(crossEntropy(x, tensor([2, 0, 1], i32), { reduction: 'none' }).dataSync())).toEqual(
      [-lp[0][2], -lp[1][0], -lp[2][1]].map((v) => expect.closeTo(v, 12)),
    );
  });

  it('label smoothing mixes in ε/C of the uniform distribution', () => {
    const eps = 0.1;
    const lp = LOGITS.map(logSoftmaxRow);
    const t = [1, 1, 0];
    const expected =
      lp.reduce((s, row, i) => s - (1 - eps) * row[t[i]] - (eps / 3) * row.reduce((a, b) => a + b, 0), 0) / 3;
    expect(crossEntropy(tensor(LOGITS, f64), tensor(t, i32), { labelSmoothing: eps }).itemSync()).toBeCloseTo(
      expected,
      12,
    );
  });

  it('probability targets give −Σ q log p and agree with one-hot index targets', () => {
    const q = [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0, 0.5, 0.5],
    ];
    const lp = LOGITS.map(logSoftmaxRow);
    const expected = -lp.reduce((s, row, i) => s + row.reduce((a, v, c) => a + q[i][c] * v, 0), 0) / 3;
    expect(crossEntropy(tensor(LOGITS, f64), tensor(q, f64)).itemSync()).toBeCloseTo(expected, 12);
  });

  it('handles [B, T, C] logits against [B, T] targets and is stable for huge logits', () => {
    const x = tensor(
      [
        [
          [1000, 0],
          [0, 1000],
        ],
      ],
      f64,
    );
    expect(crossEntropy(x, tensor([[0, 1]], i32)).itemSync()).toBeCloseTo(0, 12);
    expect(crossEntropy(x, tensor([[1, 0]], i32)).itemSync()).toBeCloseTo(1000, 9);
  });

  it('rejects mis-shaped targets naming both shapes', () => {
    expect(() => crossEntropy(tensor(LOGITS, f64), tensor([1, 2], i32))).toThrow(
      /crossEntropy: class-index target must have the input's shape without its last \(class\) axis: input \[3, 3\] expects target \[3\], got \[2\]/,
    );
    expect(() => nllLoss(tensor(LOGITS, f64), tensor([1, 2, 0], f64))).toThrow(
      /nllLoss: target must hold i32/,
    );
  });
});

describe('other losses', () => {
  it('mseLoss, binaryCrossEntropy and its logits form agree with the formulas', () => {
    const x = [0.3, -2, 5];
    const y = [1, 0, 0.25];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const bce = x.map((v, i) => -(y[i] * Math.log(sig(v)) + (1 - y[i]) * Math.log(1 - sig(v))));
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mseLoss(tensor(x, f64), tensor(y, f64)).itemSync()).toBeCloseTo(
      mean(x.map((v, i) => (v - y[i]) ** 2)),
      12,
    );
    expect(binaryCrossEntropyWithLogits(tensor(x, f64), tensor(y, f64)).itemSync()).toBeCloseTo(
      mean(bce),
      12,
    );
    expect(binaryCrossEntropy(tensor(x.map(sig), f64), tensor(y, f64)).itemSync()).toBeCloseTo(mean(bce), 12);
  });

  it('binaryCrossEntropyWithLogits is finite for huge logits; binaryCrossEntropy clamps its logs at −100', () => {
    const l = binaryCrossEntropyWithLogits(tensor([800, -800], f64), tensor([0, 1], f64), {
      reduction: 'none',
    });
    expect(Array.from(l.dataSync())).toEqual([800, 800]);
    expect(binaryCrossEntropy(tensor([0, 1], f64), tensor([1, 0], f64)).itemSync()).toBe(100);
  });

  it('klDiv uses PyTorch semantics: input log q, target p, 0·log 0 = 0', () => {
    const p = [0.5, 0.5, 0];
    const q = [0.25, 0.25, 0.5];
    const kl = p.reduce((s, v, i) => s + (v > 0 ? v * (Math.log(v) - Math.log(q[i])) : 0), 0);
    const logQ = tensor(q.map(Math.log), [1, 3], f64);
    expect(klDiv(logQ, tensor(p, [1, 3], f64), { reduction: 'batchmean' }).itemSync()).toBeCloseTo(kl, 12);
    expect(klDiv(logQ, tensor(p, [1, 3], f64), { reduction: 'sum' }).itemSync()).toBeCloseTo(kl, 12);
    const logP = tensor([Math.log(0.5), Math.log(0.5), -Infinity], [1, 3], f64);
    expect(klDiv(logQ, logP, { logTarget: true, reduction: 'sum' }).itemSync()).toBeNaN(); // 0·(−∞) like PyTorch
    const logP2 = tensor([Math.log(0.5), Math.log(0.5), -1e300], [1, 3], f64);
    expect(klDiv(logQ, logP2, { logTarget: true, reduction: 'sum' }).itemSync()).toBeCloseTo(kl, 12);
  });
});

describe('dropout', () => {
  it('zeroes about p of the elements, scales the rest by 1/(1 − p), and is seeded', () => {
    const ctx = createContext();
    const x = tensor(new Float64Array(20_000).fill(1), { context: ctx });
    ctx.rng.seed(5);
    const a = Array.from(dropout(x, 0.3).dataSync());
    ctx.rng.seed(5);
    const b = Array.from(dropout(x, 0.3).dataSync());
    expect(a).toEqual(b);
    const zeros = a.filter((v) => v === 0).length / a.length;
    expect(zeros).toBeGreaterThan(0.28);
    expect(zeros).toBeLessThan(0.32);
    expect(a.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-12)).toBe(true);
    expect(dropout(x, 0.3, false)).toBe(x);
  });
});
