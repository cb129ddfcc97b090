import {
  abs,
  type CoreOpTable,
  cast,
  cumsum,
  div,
  eq,
  exp,
  expand,
  flip,
  mean,
  mul,
  pow,
  prod,
  reshape,
  sign,
  sub,
  sum,
  type Tensor,
  where,
} from '@tessera/core';
import type { TensorMeta } from '../node.js';
import { type GradRule, rule } from '../rule.js';

interface ReduceAttrs {
  axes: number[];
  keepdim: boolean;
}

/** A reduced tensor with its reduced axes back as size 1 (a view), ready to broadcast. */
function kept(t: Tensor, x: TensorMeta, { axes, keepdim }: ReduceAttrs): Tensor {
  return keepdim
    ? t
    : reshape(
        t,
        x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
      );
}

/** kept(t) broadcast to the input's shape. */
const spread = (t: Tensor, x: TensorMeta, a: ReduceAttrs): Tensor => expand(kept(t, x, a), x.shape);

/** Number of elements each output reduces over. */
const count = (x: TensorMeta, axes: readonly number[]): number => axes.reduce((n, a) => n * x.shape[a], 1);

/** g shared equally between the elements equal to the extreme y (ties split it, like torch.amax). */
function toExtremes(g: Tensor, x: Tensor, y: Tensor, m: TensorMeta, a: ReduceAttrs): Tensor {
  const hit = eq(x, spread(y, m, a));
  const ties = sum(cast(hit, m.dtype), a.axes, true);
  return where(hit, div(kept(g, m, a), ties), 0);
}

/** Rules for ops/reduce.ts and ops/softmax.ts; `kept(g)` puts reduced axes back as size 1. */
export const REDUCE_RULES: CoreOpTable<GradRule> = {
  // d Σx = 1 for every element
  sum: rule<ReduceAttrs>({ vjp: ({ g, inputs: [x], attrs }) => [spread(g, x, attrs)] }),
  // d mean x = 1/N for every element
  mean: rule<ReduceAttrs>({
    vjp: ({ g, inputs: [x], attrs }) => [spread(div(g, count(x, attrs.axes)), x, attrs)],
  }),
  // d Πx / dxᵢ = Π_{j≠i} xⱼ: the product of the non-zeros where xᵢ is the only zero, y/xᵢ with no zeros, else 0
  prod: rule<ReduceAttrs>({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x], inputs: [m], attrs }) => {
      const zero = eq(x, 0);
      const others = prod(where(zero, 1, x), attrs.axes, true);
      const zeros = sum(cast(zero, m.dtype), attrs.axes, true);
      const d = where(zero, where(eq(zeros, 1), others, 0), where(eq(zeros, 0), div(others, x), 0));
      return [mul(kept(g, m, attrs), d)];
    },
  }),
  // d max x goes to the maximal elements, split equally on ties
  max: rule<ReduceAttrs>({
    saves: { inputs: [0], outputs: [0] },
    vjp: ({ g, x: [x], y: [y], inputs: [m], attrs }) => [toExtremes(g, x, y, m, attrs)],
  }),
  // d min x goes to the minimal elements, split equally on ties
  min: rule<ReduceAttrs>({
    saves: { inputs: [0], outputs: [0] },
    vjp: ({ g, x: [x], y: [y], inputs: [m], attrs }) => [toExtremes(g, x, y, m, attrs)],
  }),
  // d var x = 2(x − x̄) / (N − correction)
  var: rule<ReduceAttrs & { correction: number }>({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x], inputs: [m], attrs }) => {
      const centered = sub(x, mean(x, attrs.axes, true));
      const scale = 2 / (count(m, attrs.axes) - attrs.correction);
      return [mul(kept(g, m, attrs), mul(centered, scale))];
    },
  }),
  // d std x = (x − x̄) / ((N − correction)·std)
  std: rule<ReduceAttrs & { correction: number }>({
    saves: { inputs: [0], outputs: [0] },
    vjp: ({ g, x: [x], y: [y], inputs: [m], attrs }) => {
      const centered = sub(x, mean(x, attrs.axes, true));
      const denom = mul(kept(y, m, attrs), count(m, attrs.axes) - attrs.correction);
      return [mul(kept(g, m, attrs), div(centered, denom))];
    },
  }),
  // d log Σeˣ = softmax(x) = e^(x − y)
  logsumexp: rule<ReduceAttrs>({
    saves: { inputs: [0], outputs: [0] },
    vjp: ({ g, x: [x], y: [y], inputs: [m], attrs }) => [
      mul(kept(g, m, attrs), exp(sub(x, kept(y, m, attrs)))),
    ],
  }),
  // d‖x‖ₚ = sign(x)·|x|^(p−1) / ‖x‖ₚ^(p−1); ±∞: the extreme |x| (ties split); p = 0 counts, so 0
  norm: rule<ReduceAttrs & { p: number }>({
    saves: { inputs: [0], outputs: [0] },
    vjp: ({ g, x: [x], y: [y], inputs: [m], attrs }) => {
      const { p } = attrs;
      if (p === 0) return [mul(x, 0)];
      if (!Number.isFinite(p)) return [mul(toExtremes(g, abs(x), y, m, attrs), sign(x))];
      const yk = kept(y, m, attrs);
      const d = p === 1 ? sign(x) : mul(sign(x), div(pow(abs(x), p - 1), pow(yk, p - 1)));
      // At x = 0 the norm has no gradient; 0 there, as in torch, instead of 0/0.
      return [mul(kept(g, m, attrs), p === 1 ? d : where(eq(yk, 0), 0, d))];
    },
  }),
  // d cumsum: each input element feeds every later output, so the reverse cumsum of g
  cumsum: rule<{ axis: number }>({
    vjp: ({ g, attrs: { axis } }) => [flip(cumsum(flip(g, [axis]), axis), [axis])],
  }),
  // d softmax: y ⊙ (g − Σ g⊙y)
  softmax: rule<{ axis: number }>({
    saves: { outputs: [0] },
    vjp: ({ g, y: [y], attrs: { axis } }) => [mul(y, sub(g, sum(mul(g, y), [axis], true)))],
  }),
  // d logSoftmax: g − eʸ ⊙ Σg
  logSoftmax: rule<{ axis: number }>({
    saves: { outputs: [0] },
    vjp: ({ g, y: [y], attrs: { axis } }) => [sub(g, mul(exp(y), sum(g, [axis], true)))],
  }),
};
