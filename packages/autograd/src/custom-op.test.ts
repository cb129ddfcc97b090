import {
  type CpuInput,
  type CpuOutput,
  createContext,
  dispatch,
  mul,
  type Tensor,
  tensor,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { checkGrad } from './check-grad.js';
import { defineCustomOp, registerGradient } from './custom-op.js';
import { grad } from './functional.js';
import { rule } from './rule.js';

/** x ↦ a·x³ with a CPU kernel of its own (reads strided input, writes contiguous output). */
const cube = defineCustomOp<{ a: number }>({
  name: 'test.scaledCube',
  infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
  kernels: {
    cpu: ([x]: CpuInput[], [out]: CpuOutput[], { a }: { a: number }) => {
      const n = out.data.length;
      const rank = x.shape.length;
      for (let i = 0; i < n; i++) {
        let rest = i;
        let at = x.offset;
        for (let d = rank - 1; d >= 0; d--) {
          at += (rest % x.shape[d]) * x.strides[d];
          rest = Math.floor(rest / x.shape[d]);
        }
        out.data[i] = a * x.data[at] ** 3;
      }
    },
  },
  // d(a·x³) = 3a·x² dx
  gradient: rule<{ a: number }>({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x], attrs }) => [mul(g, mul(x.square(), 3 * attrs.a))],
  }),
});

const scaledCube = (x: Tensor, a: number): Tensor => dispatch(cube, [x], { a })[0];

describe('custom ops', () => {
  it('a custom op with its own kernel and rule passes checkGrad', async () => {
    const ctx = createContext();
    const x = tensor([0.5, -1.25, 2, 0.1, -0.7, 1.5], [2, 3], { dtype: 'f64', context: ctx });
    const report = await checkGrad((t) => scaledCube(t.transpose(), 0.7).sin(), [x]);
    expect(report.ok).toBe(true);
  });

  it('registerGradient overrides the rule on one context only', () => {
    const ctx = createContext();
    const x = tensor(2, { dtype: 'f64', context: ctx });
    const remove = registerGradient(ctx, 'test.scaledCube', { vjp: ({ g }) => [mul(g, 0)] });
    expect(grad((t) => scaledCube(t, 1))(x).itemSync()).toBe(0);
    remove();
    expect(grad((t) => scaledCube(t, 1))(x).itemSync()).toBe(12);
    const other = tensor(2, { dtype: 'f64', context: createContext() });
    expect(grad((t) => scaledCube(t, 1))(other).itemSync()).toBe(12);
  });
});
