import { type Context, createContext, memory, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { toyMlp } from './toy-mlp.test-support.js';

/** The toy MLP trained by plain full-batch SGD. */
function setup(ctx: Context) {
  const m = toyMlp(ctx, 7);
  /** One forward/backward pass and an SGD update; returns the loss before the update. */
  const step = (lr: number): number => {
    const l = tidy(() => {
      const v = m.loss();
      backward(v);
      return v.itemSync();
    }, ctx);
    m.sgd(lr);
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
