import { describe, expect, it } from 'vitest';
import { createContext } from '../default-context.js';
import type { Tensor } from '../tensor.js';
import { conv2d } from './conv.js';
import { tensor } from './creation.js';
import { matmul } from './linalg.js';
import { avgPool2d, maxPool2d } from './pool.js';
import { softmax } from './softmax.js';

// Functions that reshape their operands around the op (1-D matmul, unbatched conv and pools)
// must leave only their result behind.
describe('ops leave no temporaries', () => {
  const ctx = createContext();
  const t = (shape: number[]) =>
    tensor(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 5) - 2),
      shape,
      { context: ctx },
    );
  const calls: [string, () => Tensor[]][] = [
    ['matmul vector @ vector', () => [t([4]), t([4])]],
    ['matmul vector @ matrix', () => [t([4]), t([4, 3])]],
    ['matmul matrix @ vector', () => [t([3, 4]), t([4])]],
    ['conv2d unbatched', () => [t([2, 5, 5]), t([3, 2, 3, 3])]],
    ['maxPool2d unbatched', () => [t([2, 4, 4])]],
    ['avgPool2d unbatched', () => [t([2, 4, 4])]],
    ['softmax', () => [t([3, 4])]],
  ];
  const run: Record<string, (xs: Tensor[]) => Tensor> = {
    'matmul vector @ vector': ([a, b]) => matmul(a, b),
    'matmul vector @ matrix': ([a, b]) => matmul(a, b),
    'matmul matrix @ vector': ([a, b]) => matmul(a, b),
    'conv2d unbatched': ([x, w]) => conv2d(x, w, undefined, { padding: 1 }),
    'maxPool2d unbatched': ([x]) => maxPool2d(x, { kernelSize: 2 }),
    'avgPool2d unbatched': ([x]) => avgPool2d(x, { kernelSize: 2 }),
    softmax: ([x]) => softmax(x),
  };
  for (const [label, make] of calls) {
    it(label, () => {
      const xs = make();
      const before = ctx.memory().tensors;
      const out = run[label](xs);
      expect(ctx.memory().tensors).toBe(before + 1);
      out.dispose();
      for (const x of xs) x.dispose();
    });
  }
});
