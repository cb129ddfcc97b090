import { backward, checkGrad, requiresGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor, zeros } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { causalLogProbs, sequenceLogProbs } from './log-probs.js';

const context = createContext();
manualSeed(11, context);
const f64 = { dtype: 'f64' as const, context };
const i32 = { dtype: 'i32' as const, context };

/** log softmax(row)[k] by the textbook formula, in plain numbers. */
function naiveLogProb(row: number[], k: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((acc, x) => acc + Math.exp(x - m), 0));
  return row[k] - lse;
}

function rowsOf(logits: Tensor): number[][][] {
  return logits.arraySync() as number[][][];
}

describe('sequenceLogProbs', () => {
  const [b, s, v] = [3, 5, 7];
  const labels = [
    [1, 6, 0, 3, 3],
    [2, 2, 5, 4, -100],
    [0, 1, 2, 3, 4],
  ];
  const mask = [
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 0],
    [1, 1, 1, 1, 1],
  ];

  it('sums and averages log softmax at the labels over the masked positions (naive reference)', () => {
    const logits = randn([b, s, v], f64).mul(3);
    const out = sequenceLogProbs(logits, tensor(labels, i32), tensor(mask, { context }).ne(0));
    const rows = rowsOf(logits);
    for (let i = 0; i < b; i++) {
      let sum = 0;
      let count = 0;
      for (let t = 0; t < s; t++) {
        if (mask[i][t]) {
          sum += naiveLogProb(rows[i][t], labels[i][t]);
          count++;
        }
      }
      expect(out.sum.dataSync()[i]).toBeCloseTo(sum, 12);
      expect(out.count.dataSync()[i]).toBe(count);
      expect(out.mean.dataSync()[i]).toBeCloseTo(sum / count, 12);
    }
  });

  it('takes a numeric mask as well as a bool one', () => {
    const logits = randn([b, s, v], f64);
    const a = sequenceLogProbs(logits, tensor(labels, i32), tensor(mask, f64));
    const c = sequenceLogProbs(logits, tensor(labels, i32), tensor(mask, { context }).ne(0));
    expect(Array.from(a.sum.dataSync())).toEqual(Array.from(c.sum.dataSync()));
  });

  it('is stable for huge logits (log-softmax, not log of softmax)', () => {
    // One row [1000, 0, -1000]: log p(0) = −log(1 + e^−1000 + e^−2000) = 0 to double precision,
    // log p(1) = −1000, log p(2) = −2000.
    const logits = tensor([[[1000, 0, -1000]], [[1000, 0, -1000]], [[1000, 0, -1000]]], { context });
    const out = sequenceLogProbs(
      logits,
      tensor([[0], [1], [2]], i32),
      tensor([[1], [1], [1]], { context }).ne(0),
    );
    expect(Array.from(out.sum.dataSync())).toEqual([0, -1000, -2000]);
  });

  it("changing a prompt position's logits leaves the response log-prob unchanged, and gets no gradient", () => {
    const logits = randn([1, 4, 5], f64);
    const lab = tensor([[3, 1, 4, 2]], i32);
    const m = tensor([[0, 0, 1, 1]], { context }).ne(0);
    const before = sequenceLogProbs(logits, lab, m).sum.itemSync();
    const rows = rowsOf(logits);
    rows[0][0] = rows[0][0].map((x) => x + 50); // the prompt's first position, every logit moved
    rows[0][1][1] += 9; // and the prompt label's own logit
    const changed = tensor(rows, f64);
    expect(sequenceLogProbs(changed, lab, m).sum.itemSync()).toBe(before);
    // d(response log-prob)/d(prompt logits) = 0, d/d(response logits) = onehot − softmax (sums to 0).
    const x = requiresGrad(randn([1, 4, 5], f64));
    backward(sequenceLogProbs(x, lab, m).sum.sum());
    const g = x.grad!.arraySync() as number[][][];
    expect(g[0][0].every((d) => d === 0) && g[0][1].every((d) => d === 0)).toBe(true);
    const p = rowsOf(x)[0][2].map((_z, k, row) => Math.exp(naiveLogProb(row, k)));
    g[0][2].forEach((d, k) => {
      expect(d).toBeCloseTo((k === 4 ? 1 : 0) - p[k], 12);
    });
  });

  it('is differentiated correctly (finite differences)', async () => {
    const lab = tensor(labels, i32);
    const m = tensor(mask, { context }).ne(0);
    await checkGrad((x) => sequenceLogProbs(x, lab, m).sum, [randn([b, s, v], f64)]);
    await checkGrad((x) => sequenceLogProbs(x, lab, m).mean, [randn([b, s, v], f64)]);
  });

  it('rejects mismatched shapes and dtypes, naming them', () => {
    const logits = randn([2, 3, 4], f64);
    const zeroLabels = (o: typeof f64 | typeof i32) => zeros([2, 3], o);
    const ok = tensor(
      [
        [1, 1, 1],
        [1, 1, 1],
      ],
      { context },
    ).ne(0);
    expect(() => sequenceLogProbs(logits.reshape([6, 4]), tensor([[0]], i32), ok)).toThrow(
      /\[batch, seq, vocab\]/,
    );
    expect(() => sequenceLogProbs(logits, tensor([[0, 0]], i32), ok)).toThrow(/labels must be i32 \[2, 3\]/);
    expect(() => sequenceLogProbs(logits, zeroLabels(f64), ok)).toThrow(/got f64/);
    expect(() => sequenceLogProbs(logits, zeroLabels(i32), ok.slice(1, 0, 2))).toThrow(
      /mask must be \[2, 3\]/,
    );
  });
});

describe('causalLogProbs', () => {
  it('scores token t + 1 with the logits at position t', () => {
    const logits = randn([1, 4, 6], f64);
    const tokens = [5, 2, 0, 3];
    const out = causalLogProbs(logits, tensor([tokens], i32), tensor([[0, 0, 1, 1]], { context }).ne(0));
    const rows = rowsOf(logits)[0];
    // Response tokens are 0 (position 2) and 3 (position 3), predicted at positions 1 and 2.
    expect(out.sum.itemSync()).toBeCloseTo(naiveLogProb(rows[1], 0) + naiveLogProb(rows[2], 3), 12);
    expect(out.count.itemSync()).toBe(2);
  });

  it('needs two tokens', () => {
    expect(() => causalLogProbs(randn([1, 1, 3], f64), tensor([[0]], i32), tensor([[1]], f64))).toThrow(
      /at least 2 tokens/,
    );
  });
});
