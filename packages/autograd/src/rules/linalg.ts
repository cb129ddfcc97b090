import {
  avgPool2dBackward,
  type CoreOpTable,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  matmul,
  maxPool2dBackward,
  sum,
  type Tensor,
} from '@tessera/core';
import { type GradRule, rule } from '../rule.js';
import { sumToShape } from '../sum-to-shape.js';

type Pair = [number, number];
interface ConvAttrs {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}
interface MaxPoolAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
}
interface AvgPoolAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  countIncludePad: boolean;
}

const mT = (t: Tensor): Tensor => t.transpose(-2, -1);

/** A matrix seen through a transpose of contiguous storage (a Linear weight used as xWᵀ). */
const isTransposed = (t: Tensor): boolean =>
  t.rank === 2 && t.shape[0] > 1 && t.shape[1] > 1 && t.strides[0] === 1 && t.strides[1] === t.shape[0];

/**
 * gB = Aᵀ·g. When B is one matrix shared by a batch of A (x of [..., m, k] times W of [k, n]),
 * the batch folds into the rows — one [k, rows]·[rows, n] product — instead of a product per batch
 * entry summed afterwards, which would hold batch × k × n floats at once. The gradient is laid out
 * as B is: for a transposed weight it is computed as (gᵀ·A)ᵀ, so that the weight's own gradient
 * comes out contiguous rather than as a transposed view that backward would have to copy.
 */
function matmulGradB(a: Tensor, b: Tensor, g: Tensor): Tensor {
  const shared = b.rank === 2 || b.shape.slice(0, -2).every((d) => d === 1);
  if (!shared || a.rank < 2) return sumToShape(matmul(mT(a), g), b.shape);
  const [k, n] = b.shape.slice(-2);
  const rows = a.reshape([-1, k]);
  const grads = g.reshape([-1, n]);
  const matrix = b.reshape([k, n]);
  const gb = isTransposed(matrix) ? mT(matmul(mT(grads), rows)) : matmul(mT(rows), grads);
  return b.rank === 2 ? gb : gb.reshape(b.shape);
}

/** Rules for ops/linalg.ts, conv.ts and pool.ts. */
export const LINALG_RULES: CoreOpTable<GradRule> = {
  // d(AB) = dA·B + A·dB, so gA = g·Bᵀ and gB = Aᵀ·g, summed over broadcast batch dims (matmulGradB)
  matmul: rule({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [a, b], needs }) => [
      needs[0] ? sumToShape(matmul(g, mT(b)), a.shape) : undefined,
      needs[1] ? matmulGradB(a, b, g) : undefined,
    ],
  }),
  // conv2d: gx is the transposed convolution of g, gw correlates x with g, gb = Σ g over N, H, W
  conv2d: rule<ConvAttrs>({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [x, w], inputs, needs, attrs }) => [
      needs[0] ? conv2dBackwardInput(g, w, inputs[0].shape, attrs) : undefined,
      needs[1] ? conv2dBackwardWeight(x, g, inputs[1].shape, attrs) : undefined,
      needs[2] ? sum(g, [0, 2, 3]) : undefined,
    ],
  }),
  // max pooling routes g to each window's maximum
  maxPool2d: rule<MaxPoolAttrs>({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x], attrs: { kernel, ...rest } }) => [
      maxPool2dBackward(x, g, { kernelSize: kernel, ...rest }),
    ],
  }),
  // average pooling spreads g evenly over each window
  avgPool2d: rule<AvgPoolAttrs>({
    vjp: ({ g, inputs: [x], attrs: { kernel, ...rest } }) => [
      avgPool2dBackward(g, x.shape, { kernelSize: kernel, ...rest }),
    ],
  }),
};
