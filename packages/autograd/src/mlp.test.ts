import {
  type Context,
  createContext,
  keep,
  linspace,
  manualSeed,
  matmul,
  mean,
  memory,
  randn,
  type Tensor,
  tidy,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { noGrad, requiresGrad } from './grad-mode.js';

/** A 1 → 16 → 1 tanh MLP fitting sin on [−2, 2], trained by plain full-batch SGD. */
function setup(ctx: Context) {
  manualSeed(7, ctx);
  const o = { dtype: 'f64' as const, context: ctx };
  const x = linspace(-2, 2, 32, o).reshape([32, 1]);
  const y = x.sin();
  const params = [
    requiresGrad(keep(randn([1, 16], o).mul(0.8))),
    requiresGrad(keep(randn([16], o).mul(0.1))),
    requiresGrad(keep(randn([16, 1], o).mul(0.3))),
    requiresGrad(keep(randn([1], o).mul(0.1))),
  ];
  const loss = ([w1, b1, w2, b2]: Tensor[]) =>
    mean(matmul(matmul(x, w1).add(b1).tanh(), w2).add(b2).sub(y).square());
  /** One forward/backward pass and an SGD update; returns the loss before the update. */
  const step = (lr: number): number => {
    const l = tidy(() => {
      const v = loss(params);
      backward(v);
      return v.itemSync();
    }, ctx);
    noGrad(
      () =>
        tidy(() => {
          params.forEach((p, i) => {
            const next = requiresGrad(keep(p.sub(p.grad!.mul(lr))));
            p.grad!.dispose();
            p.dispose();
            params[i] = next;
          });
        }, ctx),
      ctx,
    );
    return l;
  };
  return { step };
}

describe('training', () => {
  it('a 2-layer MLP trained with SGD via backward cuts its loss by more than 90%', () => {
    const { step } = setup(createContext());
    const first = step(0.2);
    let last = first;
    for (let i = 0; i < 600; i++) last = step(0.2);
    expect(last).toBeLessThan(0.1 * first);
  });

  it('1,000 forward/backward iterations leave the live tensor count unchanged', () => {
    const ctx = createContext();
    const { step } = setup(ctx);
    step(0.05);
    const before = memory(ctx).tensors;
    for (let i = 0; i < 1000; i++) step(0.05);
    expect(memory(ctx).tensors).toBe(before);
  });
});
