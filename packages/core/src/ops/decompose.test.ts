import { describe, expect, it } from 'vitest';
import { createContext } from '../default-context.js';
import { dispatch } from '../dispatch.js';
import type { OpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import { firstMismatch } from '../testing/suite.js';
import { runScoped } from '../tidy.js';
import { tensor } from './creation.js';
import { logsumexpDef, meanDef, normDef, stdDef, varDef } from './reduce.js';
import { logSoftmaxDef, softmaxDef } from './softmax.js';

// Backends without a kernel run an op's decomposition: it must agree with the CPU kernel.
const CASES: [string, OpDef, unknown, number[], number[]][] = [
  ['mean', meanDef as OpDef, { axes: [1], keepdim: false }, [3, 4], [-2, 2]],
  ['var', varDef as OpDef, { axes: [0, 1], correction: 1, keepdim: true }, [3, 4], [-2, 2]],
  ['std', stdDef as OpDef, { axes: [1], correction: 0, keepdim: false }, [3, 4], [-2, 2]],
  ['logsumexp', logsumexpDef as OpDef, { axes: [1], keepdim: false }, [3, 4], [-2, 2]],
  ['norm p=2', normDef as OpDef, { p: 2, axes: [0], keepdim: false }, [3, 4], [-2, 2]],
  [
    'norm p=inf',
    normDef as OpDef,
    { p: Number.POSITIVE_INFINITY, axes: [1], keepdim: true },
    [3, 4],
    [-2, 2],
  ],
  ['norm p=0', normDef as OpDef, { p: 0, axes: [0, 1], keepdim: false }, [3, 4], [-1, 1]],
  ['norm p=3', normDef as OpDef, { p: 3, axes: [1], keepdim: false }, [3, 4], [-2, 2]],
  ['softmax', softmaxDef as OpDef, { axis: 1 }, [3, 4], [-2, 2]],
  ['logSoftmax', logSoftmaxDef as OpDef, { axis: 0 }, [3, 4], [-2, 2]],
];

describe('composite ops: decomposition matches the CPU kernel', () => {
  for (const [label, def, attrs, shape, [lo, hi]] of CASES) {
    it(label, () => {
      const ctx = createContext();
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => Math.round(lo + ((i * 7) % n) * ((hi - lo) / n)));
      const x = tensor(values, shape, { context: ctx });
      const before = ctx.memory().tensors;
      const kernel = dispatch(def, [x], attrs)[0];
      const [decomposed] = runScoped(ctx, () => def.decompose!([x], attrs)) as Tensor[];
      expect([...decomposed.shape]).toEqual([...kernel.shape]);
      expect(firstMismatch(decomposed.dataSync(), kernel.dataSync(), 1e-5)).toBeNull();
      kernel.dispose();
      decomposed.dispose();
      expect(ctx.memory().tensors).toBe(before);
      x.dispose();
    });
  }
});
