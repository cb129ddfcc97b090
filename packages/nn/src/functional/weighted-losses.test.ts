import { checkGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';
import { crossEntropy, nllLoss } from './cross-entropy.js';
import { logSoftmaxRow } from './loss-reference.test-support.js';

// Expected values follow PyTorch's documented definitions (torch.nn.CrossEntropyLoss, NLLLoss,
// BCEWithLogitsLoss), evaluated here in plain numbers apart from the code under test.
const context = createContext();
const f64 = { dtype: 'f64' as const, context };
const i32 = { dtype: 'i32' as const, context };

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const LOGITS = [
  [1, 2, 3],
  [0.5, -1, 0],
  [2, 2, -2],
  [-0.3, 0.8, 1.1],
];
const W = [0.2, 1, 3];
/** posWeight per class. */
const POS = [3, 0.5, 2];
const LP = LOGITS.map(logSoftmaxRow);

describe('class weights (PyTorch: ℓᵢ = −w_yᵢ·log pᵢ[yᵢ], mean = Σ ℓᵢ / Σ w_yᵢ)', () => {
  const y = [2, 0, 1, 2];
  it('crossEntropy with index targets: mean, sum, none and ignoreIndex', () => {
    const x = tensor(LOGITS, f64);
    const weight = tensor(W, f64);
    const terms = y.map((c, i) => -W[c] * LP[i][c]);
    const mean = crossEntropy(x, tensor(y, i32), { weight }).itemSync();
    expect(mean).toBeCloseTo(sum(terms) / sum(y.map((c) => W[c])), 12);
    // The weighted mean is not the plain mean of the weighted terms.
    expect(Math.abs(mean - sum(terms) / 4)).toBeGreaterThan(0.1);
    expect(crossEntropy(x, tensor(y, i32), { weight, reduction: 'sum' }).itemSync()).toBeCloseTo(
      sum(terms),
      12,
    );
    expect(Array.from(crossEntropy(x, tensor(y, i32), { weight, reduction: 'none' }).dataSync())).toEqual(
      terms.map((v) => expect.closeTo(v, 12)),
    );
    // Row 1 ignored: it leaves both the numerator and the denominator Σ w_y.
    const ignored = crossEntropy(x, tensor([2, -100, 1, 2], i32), { weight }).itemSync();
    expect(ignored).toBeCloseTo((terms[0] + terms[2] + terms[3]) / (W[2] + W[1] + W[2]), 12);
  });

  it('crossEntropy with weights and label smoothing follows PyTorch’s (1 − ε)·nll + (ε/C)·smooth', () => {
    // PyTorch: smooth_i = −Σ_c w_c·logp_ic on rows not ignored; 'mean' divides both by Σ w_yᵢ.
    const eps = 0.2;
    const t = [1, 0, -100, 2];
    const kept = [0, 1, 3];
    const nll = kept.map((i) => -W[t[i]] * LP[i][t[i]]);
    const smooth = kept.map((i) => -sum(LP[i].map((v, c) => W[c] * v)));
    const denom = sum(kept.map((i) => W[t[i]]));
    const expected = ((1 - eps) * sum(nll)) / denom + ((eps / 3) * sum(smooth)) / denom;
    const got = crossEntropy(tensor(LOGITS, f64), tensor(t, i32), {
      weight: tensor(W, f64),
      labelSmoothing: eps,
    }).itemSync();
    expect(got).toBeCloseTo(expected, 12);
    const none = crossEntropy(tensor(LOGITS, f64), tensor(t, i32), {
      weight: tensor(W, f64),
      labelSmoothing: eps,
      reduction: 'none',
    }).dataSync();
    expect(Array.from(none)).toEqual(
      [0, 1, 2, 3].map((i) => {
        const k = kept.indexOf(i);
        return expect.closeTo(k < 0 ? 0 : (1 - eps) * nll[k] + (eps / 3) * smooth[k], 12);
      }),
    );
  });

  it('crossEntropy with probability targets: ℓᵢ = −Σ_c w_c·q_ic·logp_ic, mean over rows', () => {
    const q = [
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0, 0.5, 0.5],
      [0.6, 0.2, 0.2],
    ];
    const rows = q.map((qi, i) => -sum(qi.map((v, c) => W[c] * v * LP[i][c])));
    const got = crossEntropy(tensor(LOGITS, f64), tensor(q, f64), { weight: tensor(W, f64) }).itemSync();
    expect(got).toBeCloseTo(sum(rows) / 4, 12);
  });

  it('nllLoss takes the same weights', () => {
    const got = nllLoss(tensor(LP, f64), tensor(y, i32), { weight: tensor(W, f64) }).itemSync();
    expect(got).toBeCloseTo(sum(y.map((c, i) => -W[c] * LP[i][c])) / sum(y.map((c) => W[c])), 12);
  });

  it('rejects a weight that is not one float per class, and unknown options', () => {
    const x = tensor(LOGITS, f64);
    expect(() => crossEntropy(x, tensor(y, i32), { weight: tensor([1, 2], f64) })).toThrow(
      /crossEntropy: weight must be a float tensor of shape \[3\].*got f64 \[2\]/,
    );
    expect(() => nllLoss(x, tensor(y, i32), { weight: tensor([1, 2, 3], i32) })).toThrow(/nllLoss: weight/);
    expect(() => crossEntropy(x, tensor(y, i32), { weights: tensor(W, f64) } as never)).toThrow(
      /crossEntropy: unknown option 'weights' \(known options: weight, ignoreIndex, reduction, labelSmoothing\)/,
    );
    expect(() => nllLoss(x, tensor(y, i32), { labelSmoothing: 0.1 } as never)).toThrow(
      /nllLoss: unknown option 'labelSmoothing'/,
    );
  });
});

describe('binaryCrossEntropyWithLogits posWeight and weight', () => {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  // PyTorch: ℓ = −w·(p_c·y·log σ(x) + (1 − y)·log(1 − σ(x))), naive form at moderate logits.
  const naive = (x: number, y: number, p: number, w = 1) =>
    -w * (p * y * Math.log(sigmoid(x)) + (1 - y) * Math.log(1 - sigmoid(x)));
  const X = [
    [0.5, -1.2, 2],
    [-0.7, 0.1, 1.5],
  ];
  const Y = [
    [1, 0, 1],
    [0.25, 1, 0],
  ];
  const P = POS;

  it('matches the naive formula with a per-class posWeight (broadcast along the last axis)', () => {
    const expected = X.flatMap((row, i) => row.map((x, c) => naive(x, Y[i][c], P[c])));
    const none = binaryCrossEntropyWithLogits(tensor(X, f64), tensor(Y, f64), {
      posWeight: tensor(P, f64),
      reduction: 'none',
    }).dataSync();
    expect(Array.from(none)).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    const mean = binaryCrossEntropyWithLogits(tensor(X, f64), tensor(Y, f64), { posWeight: tensor(P, f64) });
    expect(mean.itemSync()).toBeCloseTo(sum(expected) / 6, 12);
  });

  it('an element weight rescales each term and the mean stays over elements', () => {
    const Wt = [
      [1, 2, 0.5],
      [0, 1, 4],
    ];
    const expected = X.flatMap((row, i) => row.map((x, c) => naive(x, Y[i][c], P[c], Wt[i][c])));
    const got = binaryCrossEntropyWithLogits(tensor(X, f64), tensor(Y, f64), {
      posWeight: tensor(P, f64),
      weight: tensor(Wt, f64),
    }).itemSync();
    expect(got).toBeCloseTo(sum(expected) / 6, 12);
    const probs = X.map((r) => r.map(sigmoid));
    const bce = binaryCrossEntropy(tensor(probs, f64), tensor(Y, f64), {
      weight: tensor(Wt, f64),
    }).itemSync();
    expect(bce).toBeCloseTo(
      sum(X.flatMap((row, i) => row.map((x, c) => naive(x, Y[i][c], 1, Wt[i][c])))) / 6,
      12,
    );
  });

  it('stays finite at large logits: ℓ(50, 0) = 50 and ℓ(−50, 1) = p·50', () => {
    const got = binaryCrossEntropyWithLogits(tensor([50, -50], f64), tensor([0, 1], f64), {
      posWeight: tensor([3, 3], f64),
      reduction: 'none',
    }).dataSync();
    expect(got[0]).toBeCloseTo(50, 12);
    expect(got[1]).toBeCloseTo(150, 12);
  });

  it('rejects a posWeight that does not broadcast, and unknown options', () => {
    expect(() =>
      binaryCrossEntropyWithLogits(tensor(X, f64), tensor(Y, f64), { posWeight: tensor([1, 2], f64) }),
    ).toThrow(
      /binaryCrossEntropyWithLogits: posWeight of shape \[2\] does not broadcast to the input's shape \[2, 3\]/,
    );
    expect(() =>
      binaryCrossEntropyWithLogits(tensor(X, f64), tensor(Y, f64), { pos_weight: tensor(P, f64) } as never),
    ).toThrow(/unknown option 'pos_weight' \(known options: weight, posWeight, reduction\)/);
    expect(() =>
      binaryCrossEntropy(tensor(X, f64).sigmoid(), tensor(Y, f64), { posWeight: 1 } as never),
    ).toThrow(/binaryCrossEntropy: unknown option 'posWeight'/);
  });
});

describe('the weighted losses are differentiated by autograd (checkGrad)', () => {
  manualSeed(5, context);
  const rnd = (shape: number[]): Tensor => randn(shape, f64);
  const weight = tensor(W, f64);

  it('crossEntropy and nllLoss with class weights, ignoreIndex and label smoothing', async () => {
    const t = tensor([2, -100, 1, 0], i32);
    await checkGrad((x) => crossEntropy(x, t, { weight }), [rnd([4, 3])]);
    await checkGrad((x) => crossEntropy(x, t, { weight, labelSmoothing: 0.1 }), [rnd([4, 3])]);
    await checkGrad((x, q) => crossEntropy(x, q.softmax(-1), { weight }), [rnd([4, 3]), rnd([4, 3])]);
    await checkGrad((x) => nllLoss(x.logSoftmax(-1), t, { weight, reduction: 'sum' }), [rnd([4, 3])]);
  });

  it('binaryCrossEntropyWithLogits with posWeight and weight', async () => {
    const y = tensor([0, 1, 1, 0, 0.3, 1], [2, 3], f64);
    await checkGrad(
      (x) =>
        binaryCrossEntropyWithLogits(x, y, { posWeight: tensor(POS, f64), weight: tensor([1, 0.5, 2], f64) }),
      [rnd([2, 3]).mul(3)],
    );
  });
});
