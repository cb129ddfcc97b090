import { checkGrad, grad } from '@tessera/autograd';
import { type Context, createContext, matmul, ones, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { nadeLogits } from './nade-op.js';

function randomTensor(shape: number[], rng: Rng, context: Context, scale = 1): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float64Array.from({ length: size }, () => scale * rng.normal()),
    shape,
    { dtype: 'f64', context },
  );
}

/**
 * The masked-matrix form, written apart from the op: for row b, the hidden pre-activations of every
 * position at once are A_b = c + (L ⊙ x_b) · W with L the strictly lower-triangular [n, n] matrix of ones
 * (L_ij = 1 for j < i), so row i of A_b is c + Σ_{j<i} x_bj W_j; then l_bi = b_i + V_i · σ(A_bi).
 */
function maskedMatrixLogits(x: Tensor, w: Tensor, c: Tensor, v: Tensor, b: Tensor): Tensor {
  const n = x.shape[1];
  const lower = ones([n, n], { dtype: 'f64', context: x.ctx }).tril(-1);
  const a = matmul(lower.mul(x.unsqueeze(1)), w).add(c); // [B, n, n]·[n, d] → [B, n, d]
  return a.sigmoid().mul(v).sum(-1).add(b);
}

describe('nadeLogits (the incremental O(n·d) forward)', () => {
  const context = createContext();
  const rng = new Rng(2);
  const [batch, n, d] = [3, 7, 5];
  const x = tensor(
    Float64Array.from({ length: batch * n }, () => (rng.next() < 0.4 ? 1 : 0)),
    [batch, n],
    { dtype: 'f64', context },
  );
  const w = randomTensor([n, d], rng, context);
  const c = randomTensor([d], rng, context);
  const v = randomTensor([n, d], rng, context);
  const b = randomTensor([n], rng, context);

  it('equals the masked lower-triangular matrix form', () => {
    const got = nadeLogits(x, w, c, v, b).dataSync();
    const want = tidy(() => maskedMatrixLogits(x, w, c, v, b), context).dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 12);
  });

  it('has the gradients of the masked matrix form in all five inputs', () => {
    const weights = randomTensor([batch, n], rng, context);
    const objective =
      (f: typeof nadeLogits) =>
      (...t: Tensor[]) =>
        f(t[0], t[1], t[2], t[3], t[4]).mul(weights).sum();
    const got = grad(objective(nadeLogits), [0, 1, 2, 3, 4])(x, w, c, v, b);
    const want = grad(objective(maskedMatrixLogits), [0, 1, 2, 3, 4])(x, w, c, v, b);
    got.forEach((g, k) => {
      const [gd, wd] = [g.dataSync(), want[k].dataSync()];
      expect(gd.length).toBe(wd.length);
      for (let i = 0; i < wd.length; i++) expect(gd[i]).toBeCloseTo(wd[i], 10);
    });
  });

  it('passes checkGrad (finite differences, f64) with non-binary inputs', async () => {
    const xs = randomTensor([2, 4], rng, context, 0.5);
    const small = [
      randomTensor([4, 3], rng, context),
      randomTensor([3], rng, context),
      randomTensor([4, 3], rng, context),
      randomTensor([4], rng, context),
    ];
    const report = await checkGrad(
      (...t: Tensor[]) => nadeLogits(t[0], t[1], t[2], t[3], t[4]).square().sum(),
      [xs, ...small],
    );
    expect(report.ok).toBe(true);
  });

  it('names the shapes it expected', () => {
    expect(() => nadeLogits(x, w, c, v.narrow(1, 0, 2), b)).toThrow(/nadeLogits.*V \[n, d\].*\[7, 2\]/);
  });
});
