import {
  add,
  type CoreOpTable,
  cos,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  lt,
  mul,
  neg,
  pow,
  sigmoid,
  sign,
  sin,
  square,
  sub,
  type Tensor,
  where,
  zeros,
} from '@tessera/core';
import type { TensorMeta } from '../node.js';
import { type GradRule, rule } from '../rule.js';
import { sumToShape } from '../sum-to-shape.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The zero gradient of a piecewise-constant op. */
const zerosOf = (m: TensorMeta, like: Tensor): Tensor =>
  zeros(m.shape, { dtype: m.dtype, device: m.device, context: like.ctx });

const piecewiseConstant = rule({ vjp: ({ g, inputs }) => [zerosOf(inputs[0], g)] });

/** g routed to the operand that won (aWins / bWins), halved on ties (like torch.maximum). */
function tieSplit(g: Tensor, a: Tensor, b: Tensor, aWins: Tensor, bWins: Tensor): [Tensor, Tensor] {
  const half = where(eq(a, b), mul(g, 0.5), 0);
  return [where(aWins, g, half), where(bWins, g, half)];
}

/** Rules for ops/elementwise.ts: g is d loss / d out, x the saved inputs, y the saved output. */
export const ELEMENTWISE_RULES: CoreOpTable<GradRule> = {
  // d(−x) = −dx
  neg: rule({ vjp: ({ g }) => [neg(g)] }),
  // d|x| = sign(x) dx
  abs: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [mul(g, sign(x[0]))] }),
  // d eˣ = eˣ dx
  exp: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [mul(g, y[0])] }),
  // d log x = dx / x
  log: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [div(g, x[0])] }),
  // d log(1 + x) = dx / (1 + x)
  log1p: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [div(g, add(x[0], 1))] }),
  // d(eˣ − 1) = (y + 1) dx
  expm1: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [mul(g, add(y[0], 1))] }),
  // d√x = dx / (2√x)
  sqrt: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [div(g, mul(y[0], 2))] }),
  // d x^(−1/2) = −½ y³ dx
  rsqrt: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [mul(g, mul(pow(y[0], 3), -0.5))] }),
  // d x² = 2x dx
  square: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [mul(g, mul(x[0], 2))] }),
  // d(1/x) = −y² dx
  reciprocal: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [neg(mul(g, square(y[0])))] }),
  // d sin x = cos x dx
  sin: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [mul(g, cos(x[0]))] }),
  // d cos x = −sin x dx
  cos: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [neg(mul(g, sin(x[0])))] }),
  // d tanh x = (1 − y²) dx
  tanh: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [mul(g, sub(1, square(y[0])))] }),
  // d σ(x) = y(1 − y) dx
  sigmoid: rule({ saves: { outputs: [0] }, vjp: ({ g, y }) => [mul(g, mul(y[0], sub(1, y[0])))] }),
  // d relu x = [x > 0] dx
  relu: rule({ saves: { inputs: [0] }, vjp: ({ g, x }) => [where(gt(x[0], 0), g, 0)] }),
  // exact: d xΦ(x) = Φ(x) + xφ(x);  tanh, as the forward x·σ(2u) with u = c(x + 0.044715x³):
  // σ(2u) + x·σ(2u)(1 − σ(2u))·2c(1 + 3·0.044715x²) — the same as ½(1 + tanh u) + ½x(1 − tanh²u)·u′,
  // without 1 + tanh u's cancellation where x is negative.
  gelu: rule<{ approximate: 'none' | 'tanh' }>({
    saves: { inputs: [0], outputs: [0] },
    vjp: ({ g, x: [x], y: [y], attrs }) => {
      if (attrs.approximate === 'tanh') {
        const s = sigmoid(mul(add(x, mul(pow(x, 3), 0.044715)), 2 * SQRT_2_OVER_PI));
        const du2 = mul(add(mul(square(x), 3 * 0.044715), 1), 2 * SQRT_2_OVER_PI);
        const d = add(s, mul(mul(mul(x, s), sub(1, s)), du2));
        return [mul(g, d)];
      }
      // Φ(x) = y/x, the forward's output: its erfc form keeps Φ's relative precision for negative
      // x, where ½(1 + erf(x/√2)) cancels (in f64 it is 0 below x ≈ −8.3; Φ(0) = ½ is set apart).
      const cdf = where(eq(x, 0), 0.5, div(y, x));
      const pdf = mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI);
      return [mul(g, add(cdf, mul(x, pdf)))];
    },
  }),
  // d xσ(x) = σ(x)(1 + x(1 − σ(x))) dx
  silu: rule({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x] }) => {
      const s = sigmoid(x);
      return [mul(g, mul(s, add(mul(x, sub(1, s)), 1)))];
    },
  }),
  // d softplus x = σ(βx) dx, and dx above the threshold where the op is the identity
  softplus: rule<{ beta: number; threshold: number }>({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x], attrs: { beta, threshold } }) => {
      const bx = mul(x, beta);
      return [where(gt(bx, threshold), g, mul(g, sigmoid(bx)))];
    },
  }),
  // piecewise constant: zero almost everywhere
  sign: piecewiseConstant,
  floor: piecewiseConstant,
  ceil: piecewiseConstant,
  round: piecewiseConstant,
  // d clamp(x) = [min ≤ x ≤ max] dx
  clamp: rule<{ min: number; max: number }>({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x], attrs }) => [where(logicalAnd(ge(x, attrs.min), le(x, attrs.max)), g, 0)],
  }),
  // d erf x = 2/√π e^(−x²) dx
  erf: rule({
    saves: { inputs: [0] },
    vjp: ({ g, x: [x] }) => [mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))],
  }),
  // d(a + b) = da + db, summed back over broadcast dims
  add: rule({ vjp: ({ g, inputs: [a, b] }) => [sumToShape(g, a.shape), sumToShape(g, b.shape)] }),
  // d(a − b) = da − db
  sub: rule({ vjp: ({ g, inputs: [a, b] }) => [sumToShape(g, a.shape), sumToShape(neg(g), b.shape)] }),
  // d(ab) = b da + a db
  mul: rule({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [a, b], needs }) => [
      needs[0] ? sumToShape(mul(g, b), a.shape) : undefined,
      needs[1] ? sumToShape(mul(g, a), b.shape) : undefined,
    ],
  }),
  // d(a/b) = da/b − a/b² db
  div: rule({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [a, b], needs }) => [
      needs[0] ? sumToShape(div(g, b), a.shape) : undefined,
      needs[1] ? sumToShape(neg(div(mul(g, a), square(b))), b.shape) : undefined,
    ],
  }),
  // d aᵇ = b·a^(b−1) da + aᵇ·log a db   (the db term is 0 where a = 0, as in torch)
  pow: rule({
    saves: { inputs: [0, 1], outputs: [0] },
    vjp: ({ g, x: [a, b], y: [y], needs }) => [
      needs[0] ? sumToShape(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape) : undefined,
      needs[1] ? sumToShape(where(eq(a, 0), 0, mul(g, mul(y, log(a)))), b.shape) : undefined,
    ],
  }),
  // d max(a, b) goes to the larger operand; ties split it equally
  maximum: rule({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [a, b] }) => {
      const [ga, gb] = tieSplit(g, a, b, gt(a, b), lt(a, b));
      return [sumToShape(ga, a.shape), sumToShape(gb, b.shape)];
    },
  }),
  // d min(a, b) goes to the smaller operand; ties split it equally
  minimum: rule({
    saves: { inputs: [0, 1] },
    vjp: ({ g, x: [a, b] }) => {
      const [ga, gb] = tieSplit(g, a, b, lt(a, b), gt(a, b));
      return [sumToShape(ga, a.shape), sumToShape(gb, b.shape)];
    },
  }),
  // d where(c, a, b) = [c] da + [¬c] db
  where: rule({
    saves: { inputs: [0] },
    vjp: ({ g, x: [c], inputs }) => [
      undefined,
      sumToShape(where(c, g, 0), inputs[1].shape),
      sumToShape(where(c, 0, g), inputs[2].shape),
    ],
  }),
};
