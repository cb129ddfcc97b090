import { createContext, max, maximum, sum, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { grad } from './functional.js';
import { enableAutograd } from './gradient-engine.js';

describe('ties and recording switches', () => {
  const ctx = createContext();
  const t = (v: number[]) => tensor(v, { dtype: 'f64', context: ctx });

  it('max splits the gradient equally between tied maxima (like torch.amax)', () => {
    expect(Array.from(grad((x) => max(x))(t([1, 3, 3, -2])).dataSync())).toEqual([0, 0.5, 0.5, 0]);
  });

  it('maximum gives each operand half the gradient where they tie', () => {
    const [ga, gb] = grad((a, b) => sum(maximum(a, b)), [0, 1])(t([1, 2, 5]), t([1, 3, 4]));
    expect(Array.from(ga.dataSync())).toEqual([0.5, 0, 1]);
    expect(Array.from(gb.dataSync())).toEqual([0.5, 1, 0]);
  });

  it('setting requiresGrad by hand records once autograd is enabled on the context', () => {
    const c = createContext();
    enableAutograd(c);
    const x = tensor([1, 2], { dtype: 'f64', context: c });
    x.requiresGrad = true;
    backward(sum(x.square()));
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 4]);
  });
});
