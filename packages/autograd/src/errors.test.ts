import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { grad } from './functional.js';
import { requiresGrad } from './grad-mode.js';

const f64 = (ctx: ReturnType<typeof createContext>, v: number[] | number, shape?: number[]) =>
  shape
    ? tensor(v as number[], shape, { dtype: 'f64', context: ctx })
    : tensor(v, { dtype: 'f64', context: ctx });

describe('errors', () => {
  it('backward on a non-scalar without gradOutput names the shape', () => {
    const ctx = createContext();
    const x = requiresGrad(f64(ctx, [1, 2, 3, 4], [2, 2]));
    expect(() => backward(x.exp())).toThrow(/^backward: the loss has shape \[2, 2\]; pass \{ gradOutput \}/);
  });

  it('backward twice through a freed graph says so and names the op', () => {
    const ctx = createContext();
    const x = requiresGrad(f64(ctx, 0.5));
    const y = x.exp().sin();
    backward(y);
    expect(() => backward(y)).toThrow(
      /^backward: the graph through 'exp' \(inputs \[\] f64\) was freed.*retainGraph/,
    );
  });

  it('retainGraph allows a second backward, which accumulates', () => {
    const ctx = createContext();
    const x = requiresGrad(f64(ctx, 0.5));
    const y = x.exp();
    backward(y, { retainGraph: true });
    backward(y);
    expect(x.grad!.itemSync()).toBeCloseTo(2 * Math.exp(0.5), 12);
  });

  it('ops on a disposed tensor fail before recording, naming the op and shape', () => {
    const ctx = createContext();
    const x = requiresGrad(f64(ctx, [1, 2], [2]));
    const y = x.exp();
    y.dispose();
    expect(() => y.sin()).toThrow(/^sin: input 0 \(shape \[2\], f64\) has been disposed/);
    expect(() => backward(y)).toThrow(/^backward: the loss \(shape \[2\], f64\) has been disposed/);
  });

  it('integer and bool outputs are not differentiable', () => {
    const ctx = createContext();
    const x = requiresGrad(f64(ctx, [1.5, 2.5], [2]));
    expect(() => backward(x.gt(2))).toThrow(/^backward: a bool tensor \(shape \[2\]\) is not differentiable/);
    expect(() =>
      grad((t) => t.cast('i32').reshape([2]).slice(0, 0, 1).reshape([]))(f64(ctx, [1, 2], [2])),
    ).toThrow(/^grad: f returned a i32 tensor, which is not differentiable/);
    expect(() => requiresGrad(tensor([1], { dtype: 'i32', context: ctx }))).toThrow(
      /^requiresGrad: only floating tensors take gradients, got a i32 tensor of shape \[1\]/,
    );
    expect(() => grad((t) => t)(tensor(1, { dtype: 'i32', context: ctx }))).toThrow(
      /^grad: argument 0 is a i32 tensor/,
    );
  });

  it('backward on a tensor without history says it does not require grad', () => {
    const ctx = createContext();
    expect(() => backward(f64(ctx, 1))).toThrow(
      /^backward: tensor of shape \[\] \(f64\) does not require grad/,
    );
  });

  it('an op without a rule fails at backward, naming it', () => {
    const ctx = createContext();
    const x = requiresGrad(f64(ctx, [1, 2], [2]));
    const y = x.exp();
    const node = (y.gradNode as { node: { rule: unknown } }).node;
    node.rule = undefined;
    expect(() => backward(y, { gradOutput: f64(ctx, [1, 1], [2]) })).toThrow(
      /^backward: op 'exp' \(inputs \[2\] f64\) has no gradient rule/,
    );
  });
});
