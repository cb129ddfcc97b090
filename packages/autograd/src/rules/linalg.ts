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

/**
 * gB = Aᵀ·g summed over the batch dims. For a 2-D B under a batched A (a linear layer's weight)
 * the sum over the batch is the k-contraction of one product of the flattened rows:
 * A[..., m, k] → (batch·m)×k, one GEMM instead of a batch of thin ones and a reduction.
 */
function weightGrad(a: Tensor, b: Tensor, g: Tensor): Tensor {
  if (b.rank !== 2 || a.rank <= 2 || g.rank !== a.rank) return sumToShape(matmul(mT(a), g), b.shape);
  const k = a.shape[a.rank - 1];
  const n = g.shape[g.rank - 1];
  const rows = a.shape.slice(0, -1).reduce((x, y) => x * y, 1);
  if (g.shape.slice(0, -1).some((d, i) => d !== a.shape[i])) return sumToShape(matmul(mT(a), g), b.shape);
  const a2 = a.reshape([rows, k]);
  const g2 = g.reshape([rows, n]);
  const out = matmul(mT(a2), g2);
  for (const t of [a2, g2]) if (t !== a && t !== g) t.dispose();
  return out;
}

/** Rules for ops/linalg.ts, conv.ts and pool.ts. */
export const LINALG_RULES: CoreOpTable<GradRule> = {
  // d(AB) = dA·B + A·dB, so gA = g·Bᵀ and gB = Aᵀ·g, summed over broadcast batch dims
  matmul: rule({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [a, b], needs }) => [
      needs[0] ? sumToShape(matmul(g, mT(b)), a.shape) : undefined,
      needs[1] ? weightGrad(a, b, g) : undefined,
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
