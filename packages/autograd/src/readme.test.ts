import { createContext, matmul, mean, randn, type Tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward, noGrad, requiresGrad } from './index.js';

describe('README example', () => {
  it('fits a linear model with plain SGD', () => {
    const context = createContext();
    const x = randn([64, 3], { context });
    const y = matmul(x, randn([3, 1], { context })); // targets of a linear model
    let w: Tensor = requiresGrad(randn([3, 1], { context }));
    const loss = () => tidy(() => mean(matmul(x, w).sub(y).square()).itemSync(), context);
    const first = loss();
    for (let step = 0; step < 100; step++) {
      tidy(() => backward(mean(matmul(x, w).sub(y).square())), context); // fills w.grad
      const next = tidy(() => noGrad(() => w.sub(w.grad!.mul(0.1)), context), context); // plain SGD
      w.grad!.dispose();
      w.dispose();
      w = requiresGrad(next);
    }
    expect(loss()).toBeLessThan(0.01 * first);
  });
});
