import { createContext, memory, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { grad, valueAndGrad } from './functional.js';
import { detach, noGrad, requiresGrad, zeroGrad } from './grad-mode.js';

describe('backward', () => {
  it('accumulates d(x·y + sin x)/dx into .grad (hand-derived)', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor([0.5, -1, 2], { dtype: 'f64', context: ctx }));
    const y = tensor([3, 4, 5], { dtype: 'f64', context: ctx });
    const seed = tensor([1, 1, 1], { dtype: 'f64', context: ctx });
    tidy(() => backward(x.mul(y).add(x.sin()), { gradOutput: seed }), ctx);
    const want = [0.5, -1, 2].map((v, i) => [3, 4, 5][i] + Math.cos(v));
    expect(Array.from(x.grad!.dataSync())).toEqual(want.map((w) => expect.closeTo(w, 12)));
    tidy(() => backward(x.mul(y).add(x.sin()), { gradOutput: seed }), ctx);
    expect(Array.from(x.grad!.dataSync())).toEqual(want.map((w) => expect.closeTo(2 * w, 12)));
    expect(y.grad).toBeUndefined();
    zeroGrad([x]);
    expect(x.grad).toBeUndefined();
  });

  it('stops at detach and records nothing in noGrad', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor([2], { dtype: 'f64', context: ctx }));
    const d = detach(x);
    expect(d.requiresGrad).toBe(false);
    const z = noGrad(() => x.exp(), ctx);
    expect(z.gradNode).toBeUndefined();
    expect(z.requiresGrad).toBe(false);
    const w = x.mul(d).reshape([]);
    backward(w);
    expect(x.grad!.dataSync()[0]).toBe(2);
  });

  it('grad and valueAndGrad leave .grad alone', () => {
    const ctx = createContext();
    const x = tensor(0.3, { dtype: 'f64', context: ctx });
    const g = grad((t) => t.tanh())(x);
    expect(g.itemSync()).toBeCloseTo(1 - Math.tanh(0.3) ** 2, 12);
    const [v, gs] = valueAndGrad((a, b) => a.mul(b), [0, 1])(x, tensor(2, { dtype: 'f64', context: ctx }));
    expect(v.itemSync()).toBeCloseTo(0.6, 12);
    expect(gs.map((t) => t.itemSync())).toEqual([2, 0.3]);
    expect(x.grad).toBeUndefined();
  });

  it('leaves no tensors behind', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor([1, 2, 3], { dtype: 'f64', context: ctx }));
    const before = memory(ctx).tensors;
    tidy(
      () => backward(x.exp().mul(x).reshape([3, 1]).permute([1, 0]), { gradOutput: x.reshape([1, 3]) }),
      ctx,
    );
    const after = memory(ctx).tensors;
    expect(after).toBe(before + 1); // x.grad
  });
});

describe('functional gradients and memory', () => {
  it('grad, valueAndGrad and nested grad leave no tensors behind', () => {
    const ctx = createContext();
    const x = tensor(0.4, { dtype: 'f64', context: ctx });
    const f = (t: ReturnType<typeof detach>) => t.tanh().mul(t).exp();
    grad(grad(f))(x).dispose();
    const before = memory(ctx).tensors;
    for (let i = 0; i < 50; i++) {
      grad(f)(x).dispose();
      const [v, g] = valueAndGrad(f)(x);
      v.dispose();
      g.dispose();
      grad(grad(f))(x).dispose();
    }
    expect(memory(ctx).tensors).toBe(before);
  });
});

describe('identity conversions keep the history', () => {
  it('to(same dtype), to(same device) and transpose of a 1-D tensor pass gradients through', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor([1, 2, 3], { context: ctx }));
    const y = x.to('f32').to('cpu').transpose().mul(2).sum();
    backward(y);
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2, 2]);
  });
});
