import { createContext, matmul, softmax, sum, type Tensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { grad } from './functional.js';
import { requiresGrad } from './grad-mode.js';

describe('second-order gradients', () => {
  const ctx = createContext();
  const s = (v: number) => tensor(v, { dtype: 'f64', context: ctx });

  it('tanh: d²/dx² tanh x = −2 tanh x (1 − tanh² x)', () => {
    const t = Math.tanh(0.4);
    expect(grad(grad((x) => x.tanh()))(s(0.4)).itemSync()).toBeCloseTo(-2 * t * (1 - t * t), 12);
  });

  it('exp: every derivative is eˣ', () => {
    expect(grad(grad(grad((x) => x.exp())))(s(0.3)).itemSync()).toBeCloseTo(Math.exp(0.3), 12);
  });

  it('mul: d²(x²y)/dx dy = 2x, d²(x²y)/dx² = 2y', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(x).mul(y);
    const dfdx = (x: Tensor, y: Tensor) => grad(f, 0)(x, y);
    expect(grad(dfdx, 1)(s(1.5), s(-2)).itemSync()).toBeCloseTo(3, 12);
    expect(grad(dfdx, 0)(s(1.5), s(-2)).itemSync()).toBeCloseTo(-4, 12);
  });

  it('backward with createGraph gives a differentiable .grad', () => {
    const x = requiresGrad(s(0.7));
    backward(x.sin().mul(x), { createGraph: true });
    const g = x.grad!; // sin x + x cos x
    expect(g.itemSync()).toBeCloseTo(Math.sin(0.7) + 0.7 * Math.cos(0.7), 12);
    x.grad = undefined;
    backward(g);
    expect(x.grad!.itemSync()).toBeCloseTo(2 * Math.cos(0.7) - 0.7 * Math.sin(0.7), 12);
  });
});

describe('second-order gradients through matmul and softmax (Hessian–vector products)', () => {
  const ctx = createContext();
  const t = (v: number[], shape: number[]) => tensor(v, shape, { dtype: 'f64', context: ctx });

  it('matmul: for f(A) = ½‖AB‖², H·V = V·B·Bᵀ', () => {
    const A = t([0.5, -1, 2, 0.3, 1.1, -0.4], [2, 3]);
    const B = t([1, 2, -1, 0.5, 0.2, -0.7], [3, 2]);
    const V = t([0.1, 0.2, -0.3, 0.4, -0.5, 0.6], [2, 3]);
    const f = (a: Tensor) => sum(matmul(a, B).square()).mul(0.5);
    const hv = grad((a: Tensor) => sum(grad(f)(a).mul(V)))(A);
    const b = [1, 2, -1, 0.5, 0.2, -0.7];
    const v = [0.1, 0.2, -0.3, 0.4, -0.5, 0.6];
    const bbt = (i: number, j: number) => b[2 * i] * b[2 * j] + b[2 * i + 1] * b[2 * j + 1];
    const want: number[] = [];
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 3; c++) want.push([0, 1, 2].reduce((s, k) => s + v[3 * r + k] * bbt(k, c), 0));
    expect(Array.from(hv.dataSync())).toEqual(want.map((w) => expect.closeTo(w, 10)));
  });

  it('softmax: for f(x) = c·softmax(x), H = s_i(δ_ik − s_k)(c_i − c̄) − s_i s_k (c_k − c̄)', () => {
    const xs = [0.3, -1.2, 0.8, 0.1];
    const cs = [1, -2, 0.5, 3];
    const vs = [0.2, -0.1, 0.4, 0.3];
    const c = t(cs, [4]);
    const v = t(vs, [4]);
    const f = (x: Tensor) => sum(softmax(x, 0).mul(c));
    const hv = grad((x: Tensor) => sum(grad(f)(x).mul(v)))(t(xs, [4]));
    const e = xs.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    const s = e.map((q) => q / z);
    const cbar = s.reduce((a, q, i) => a + q * cs[i], 0);
    const want = s.map((si, i) =>
      s.reduce((acc, sk, k) => {
        const h = si * ((i === k ? 1 : 0) - sk) * (cs[i] - cbar) - si * sk * (cs[k] - cbar);
        return acc + h * vs[k];
      }, 0),
    );
    expect(Array.from(hv.dataSync())).toEqual(want.map((w) => expect.closeTo(w, 10)));
  });
});
