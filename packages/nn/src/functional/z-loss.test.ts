import { backward, checkGrad, requiresGrad } from '@tessera/autograd';
import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { zLoss } from './z-loss.js';

/** Deterministic logits in about [−4, 4]. */
const values = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => 4 * Math.sin(seed * 12.9898 + i * 78.233) * Math.cos(i * 0.37 + seed));

/** log Σ exp of one row, summed in plain numbers. */
const lse = (row: number[]) => {
  const top = Math.max(...row);
  return top + Math.log(row.reduce((a, x) => a + Math.exp(x - top), 0));
};

describe('zLoss', () => {
  const context = createContext();
  const [b, s, vocab] = [2, 3, 5];
  const data = values(b * s * vocab, 1);
  const rows = Array.from({ length: b * s }, (_, r) => data.slice(r * vocab, (r + 1) * vocab));

  it('is coef · mean over positions of logsumexp²', () => {
    const want = (0.3 * rows.reduce((a, r) => a + lse(r) ** 2, 0)) / rows.length;
    const got = zLoss(tensor(data, [b, s, vocab], { dtype: 'f64', context }), 0.3).itemSync();
    expect(got).toBeCloseTo(want, 12);
    // f32 logits give the same value to f32 precision.
    expect(zLoss(tensor(data, [b, s, vocab], { context }), 0.3).itemSync()).toBeCloseTo(want, 4);
  });

  it('has the gradient of finite differences (checkGrad, f64)', async () => {
    const logits = tensor(data, [b, s, vocab], { dtype: 'f64', context });
    const report = await checkGrad((x) => zLoss(x, 0.7), [logits]);
    expect(report.ok).toBe(true);
  });

  it('has the closed-form gradient 2·coef·LSE·softmax / N', () => {
    const coef = 0.05;
    const logits = requiresGrad(tensor(data, [b * s, vocab], { dtype: 'f64', context }));
    backward(zLoss(logits, coef));
    const grad = Array.from(logits.grad!.dataSync() as Float64Array);
    rows.forEach((row, r) => {
      const l = lse(row);
      row.forEach((x, j) => {
        expect(grad[r * vocab + j]).toBeCloseTo((2 * coef * l * Math.exp(x - l)) / rows.length, 12);
      });
    });
  });

  it('names the problem with bad input', () => {
    expect(() => zLoss(tensor([1, 2], [2], { context }), Number.NaN)).toThrow(
      'zLoss: coef must be a finite number, got NaN',
    );
  });
});
