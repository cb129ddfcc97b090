import { backward, requiresGrad } from '@tessera/autograd';
import { createContext, keep, linspace, matmul, memory, randn, type Tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adam.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

/** What the loop needs of an optimizer. */
type Stepper = { step(): void; zeroGrad(): void };

/** A tiny regression model and a training step: forward, backward, optimizer step, zeroGrad. */
function setup(make: (ps: Tensor[]) => Stepper) {
  const context = createContext();
  const x = keep(linspace(-1, 1, 16, { context }).reshape([16, 1]));
  const y = keep(x.mul(3).sub(1));
  const w = requiresGrad(keep(randn([1, 8], { context })));
  const v = requiresGrad(keep(randn([8, 1], { context })));
  const opt = make([w, v]);
  const step = (): number =>
    tidy(() => {
      const loss = matmul(matmul(x, w).tanh(), v).sub(y).square().mean();
      backward(loss);
      opt.step();
      opt.zeroGrad();
      return loss.itemSync();
    }, context);
  return { context, step };
}

describe('training steps do not leak', () => {
  const optimizers: [string, (ps: Tensor[]) => Stepper][] = [
    ['SGD (Nesterov)', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['Adam', (ps) => new Adam(ps, { lr: 0.01 })],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 })],
    ['RMSprop (centered, momentum)', (ps) => new RMSprop(ps, { lr: 0.001, centered: true, momentum: 0.5 })],
  ];
  for (const [name, make] of optimizers) {
    it(`${name}: 1,000 steps leave memory().tensors unchanged and reduce the loss`, () => {
      const { context, step } = setup(make);
      const first = step();
      const tensors = memory(context).tensors;
      const bytes = memory(context).bytes;
      let last = first;
      for (let i = 0; i < 1000; i++) last = step();
      expect(memory(context).tensors).toBe(tensors);
      expect(memory(context).bytes).toBe(bytes);
      expect(last).toBeLessThan(first);
    });
  }
});
