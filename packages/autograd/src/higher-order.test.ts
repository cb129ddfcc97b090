import { createContext, type Tensor, tensor } from '@tessera/core';
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
