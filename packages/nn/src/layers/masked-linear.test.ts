import { backward } from '@tessera/autograd';
import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { MaskedLinear } from './masked-linear.js';

describe('MaskedLinear', () => {
  it('computes x·(W ⊙ M)ᵀ + b, and masked-out weights get exactly zero gradient', () => {
    const context = createContext();
    const layer = new MaskedLinear(3, 2, { context });
    const mask = [1, 0, 1, 0, 1, 1];
    layer.setMask(mask);
    const w = layer.weight.dataSync();
    const b = layer.bias!.dataSync();
    const x = [0.5, -2, 1.5];
    // Naive reference: y_o = b_o + Σ_i M[o, i]·W[o, i]·x_i.
    const expected = [0, 1].map(
      (o) => b[o] + [0, 1, 2].reduce((s, i) => s + mask[o * 3 + i] * w[o * 3 + i] * x[i], 0),
    );
    const y = layer.forward(tensor([x], { context }));
    const got = y.dataSync();
    expect(got[0]).toBeCloseTo(expected[0], 5);
    expect(got[1]).toBeCloseTo(expected[1], 5);
    backward(y.sum());
    const g = layer.weight.grad!.dataSync();
    // d y_o / d W[o, i] = M[o, i]·x_i.
    for (let k = 0; k < 6; k++) expect(g[k]).toBeCloseTo(mask[k] * x[k % 3], 6);
    expect(layer.numParameters()).toBe(8);
    expect([...layer.stateDict().keys()]).toEqual(['weight', 'bias', 'mask']);
  });

  it('starts all ones, takes a tensor mask, and rejects masks of the wrong shape or values', () => {
    const context = createContext();
    const layer = new MaskedLinear(2, 2, { context, bias: false });
    expect(Array.from(layer.mask.dataSync())).toEqual([1, 1, 1, 1]);
    layer.setMask(
      tensor(
        [
          [0, 1],
          [1, 0],
        ],
        { context },
      ),
    );
    expect(Array.from(layer.mask.dataSync())).toEqual([0, 1, 1, 0]);
    expect(() => layer.setMask(tensor([[1, 1, 1]], { context }))).toThrow(/mask \[1, 3\] must be \[2, 2\]/);
    expect(() => layer.setMask([1, 0, 1])).toThrow(/need 2·2 = 4 entries, got 3/);
    expect(() => layer.setMask([1, 0, 0.5, 1])).toThrow(/entry 2 is 0.5/);
    // A mask for one call leaves the buffer alone: y = x·(W ⊙ M')ᵀ with M' = [[1, 0], [0, 0]] is [w₀₀·x₀, 0].
    const once = tensor(
      [
        [1, 0],
        [0, 0],
      ],
      { context },
    );
    const y = layer.forward(tensor([[2, 3]], { context }), once).dataSync();
    expect(y[0]).toBeCloseTo(2 * layer.weight.dataSync()[0], 6);
    expect(Math.abs(y[1])).toBe(0);
    expect(Array.from(layer.mask.dataSync())).toEqual([0, 1, 1, 0]);
    expect(() => layer.forward(tensor([[2, 3]], { context }), tensor([1, 1], { context }))).toThrow(
      /must be \[2, 2\]/,
    );
  });
});
