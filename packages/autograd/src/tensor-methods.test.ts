import {
  createContext,
  matmul,
  memory,
  ones,
  randn,
  type Tensor,
  TesseraError,
  tensor,
  zeros,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { requiresGrad } from './grad-mode.js';
import { autogradEngine, enableAutograd } from './gradient-engine.js';

/** The gradients below are d/dx of the written formulas, worked out by hand. */
describe('PyTorch-style gradients through the context gradient engine', () => {
  it('tensor(…, { requiresGrad: true }), loss.backward() and x.grad on the default context after enableAutograd()', () => {
    enableAutograd();
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const loss = x.mul(x).sum(); // Σ x², d/dx = 2x
    loss.backward();
    expect(x.grad?.tolist()).toEqual([2, 4, 6]);
    expect(memory().tensors).toBeGreaterThan(0);
  });

  it('a context created with the engine needs no other call; zeros, ones and randn take requiresGrad', () => {
    const context = createContext({ gradientEngine: autogradEngine });
    const w = zeros([2, 1], { context, requiresGrad: true });
    const b = ones([1], { context, requiresGrad: true });
    const x = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { context },
    );
    // L = mean((x w + b)²) at w = 0, b = 1: every residual is 1, so dL/dw = (2/3) Σᵢ xᵢ = [6, 8]
    // and dL/db = (2/3)·3 = 2.
    matmul(x, w).add(b).square().mean().backward();
    const gw = (w.grad!.tolist() as number[][]).map((r) => r[0]);
    expect(gw[0]).toBeCloseTo(6, 5);
    expect(gw[1]).toBeCloseTo(8, 5);
    expect((b.grad!.tolist() as number[])[0]).toBeCloseTo(2, 5);
    const n = randn([2], { context, requiresGrad: true });
    expect(n.requiresGrad).toBe(true);
  });

  it('backward(gradOutput) of a non-scalar, and retainGraph through the options', () => {
    const context = createContext();
    enableAutograd(context);
    const x = tensor([1, -2], { context, requiresGrad: true });
    const y = x.mul(3).add(x.square()); // dy/dx = 3 + 2x
    y.backward(tensor([1, 10], { context }));
    expect(x.grad?.tolist()).toEqual([5, -10]);
    const z = x.exp().sum();
    z.backward({ retainGraph: true });
    z.backward();
    // Accumulated: 5 + 2e, −10 + 2e^−2.
    const g = x.grad?.tolist() as number[];
    expect(g[0]).toBeCloseTo(5 + 2 * Math.E, 5);
    expect(g[1]).toBeCloseTo(-10 + 2 * Math.exp(-2), 5);
    expect(() => x.mul(2).backward()).toThrow(/^backward: the loss has shape \[2\]; pass \{ gradOutput \}/);
  });

  it('autograd functions install the engine too: requiresGrad(t) then loss.backward()', () => {
    const context = createContext();
    const a = requiresGrad(tensor([[2]], { context }));
    expect(context.gradientEngine).toBe(autogradEngine);
    a.mul(a).mul(a).sum().backward(); // d a³ = 3a²
    expect(a.grad?.tolist()).toEqual([[12]]);
  });

  it('requiresGrad_() and detach(): a detached tensor carries no history', () => {
    const context = createContext({ gradientEngine: autogradEngine });
    const x = tensor([4], { context }).requiresGrad_();
    expect(x.requiresGrad).toBe(true);
    const d: Tensor = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(() => d.mul(2).sum().backward()).toThrow(
      /^backward: tensor of shape \[\] \(f32\) does not require grad/,
    );
    expect(() => tensor([1], { context, dtype: 'int32' }).requiresGrad_()).toThrow(TesseraError);
  });

  it('a context keeps one engine: autograd again is fine, another engine is refused', () => {
    const context = createContext({ gradientEngine: autogradEngine });
    enableAutograd(context);
    expect(() => context.setGradientEngine({ ...autogradEngine, name: 'a second copy' })).toThrow(
      /^setGradientEngine: this context already differentiates with @tessera\/autograd; it cannot switch to a second copy/,
    );
  });
});
