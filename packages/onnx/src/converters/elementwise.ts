import type { CoreOpTable, DType, GeluOptions, SoftplusOptions } from '@tessera/core';
import { onnxType } from '../graph-builder.js';
import type { ConvertCall, Converter } from './converter.js';

/** The op's input `i`, cast to `dtype` when the traced tensor has another. */
function inputAs(c: ConvertCall<unknown>, i: number, dtype: DType): string {
  const x = c.inputs[i];
  return c.call.inputs[i].dtype === dtype ? x : c.g.op('Cast', [x], { to: onnxType(dtype) });
}

const outDType = (c: ConvertCall<unknown>): DType => c.call.outputs[0].dtype;

/** An op that is one ONNX node of the same arity, computed in the output dtype. */
const same =
  (opType: string): Converter =>
  (c) => [
    c.g.op(
      opType,
      c.inputs.map((_, i) => inputAs(c, i, outDType(c))),
    ),
  ];

/** A comparison: both operands in one dtype (they share it after core's promotion), bool out. */
const compare =
  (opType: string, negate = false): Converter =>
  (c) => {
    const y = c.g.op(opType, [c.inputs[0], c.inputs[1]]);
    return [negate ? c.g.op('Not', [y]) : y];
  };

const logical =
  (opType: string): Converter =>
  (c) => [
    c.g.op(
      opType,
      c.inputs.map((_, i) => inputAs(c, i, 'bool')),
    ),
  ];

/** f(x) written with a few nodes; `k(v)` is a scalar constant of the op's dtype. */
const composite =
  (build: (c: ConvertCall<unknown>, x: string, k: (v: number) => string) => string): Converter =>
  (c) => {
    const dtype = outDType(c);
    return [build(c, inputAs(c, 0, dtype), (v) => c.g.scalar(v, dtype))];
  };

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** ONNX for every elementwise op of core's table. */
export const ELEMENTWISE_CONVERTERS: CoreOpTable<Converter> = {
  neg: same('Neg'),
  abs: same('Abs'),
  exp: same('Exp'),
  log: same('Log'),
  log1p: composite(({ g }, x, k) => g.op('Log', [g.op('Add', [x, k(1)])])),
  expm1: composite(({ g }, x, k) => g.op('Sub', [g.op('Exp', [x]), k(1)])),
  sqrt: same('Sqrt'),
  rsqrt: composite(({ g }, x) => g.op('Reciprocal', [g.op('Sqrt', [x])])),
  square: composite(({ g }, x) => g.op('Mul', [x, x])),
  reciprocal: same('Reciprocal'),
  sin: same('Sin'),
  cos: same('Cos'),
  tanh: same('Tanh'),
  sigmoid: same('Sigmoid'),
  relu: same('Relu'),
  // Opset 20's Gelu is newer than the opsets we target: x·Φ(x) = ½x·(1 + erf(x/√2)), or the tanh form.
  gelu: composite((c, x, k) => {
    const { g } = c;
    const half = g.op('Mul', [x, k(0.5)]);
    const attrs = c.attrs as Required<GeluOptions>;
    const inner =
      attrs.approximate === 'tanh'
        ? g.op('Tanh', [
            g.op('Mul', [
              g.op('Add', [x, g.op('Mul', [g.op('Mul', [g.op('Mul', [x, x]), x]), k(0.044715)])]),
              k(SQRT_2_OVER_PI),
            ]),
          ])
        : g.op('Erf', [g.op('Mul', [x, k(Math.SQRT1_2)])]);
    return g.op('Mul', [half, g.op('Add', [inner, k(1)])]);
  }),
  silu: composite(({ g }, x) => g.op('Mul', [x, g.op('Sigmoid', [x])])),
  // PyTorch's softplus: log(1 + e^{βx})/β, and x itself where βx > threshold.
  softplus: composite((c, x, k) => {
    const { g } = c;
    const { beta, threshold } = c.attrs as Required<SoftplusOptions>;
    const bx = g.op('Mul', [x, k(beta)]);
    const soft = g.op('Div', [g.op('Softplus', [bx]), k(beta)]);
    return g.op('Where', [g.op('Greater', [bx, k(threshold)]), x, soft]);
  }),
  sign: same('Sign'),
  floor: same('Floor'),
  ceil: same('Ceil'),
  // Both round half to even.
  round: same('Round'),
  clamp: (c) => {
    const { min, max } = c.attrs as { min: number; max: number };
    const dtype = outDType(c);
    // An integer tensor's bounds are clipped to its range (±∞ means no bound).
    const bound = (v: number) => (dtype === 'i32' ? Math.min(Math.max(v, -(2 ** 31)), 2 ** 31 - 1) : v);
    return [c.g.op('Clip', [c.inputs[0], c.g.scalar(bound(min), dtype), c.g.scalar(bound(max), dtype)])];
  },
  logicalNot: logical('Not'),
  erf: same('Erf'),
  add: same('Add'),
  sub: same('Sub'),
  mul: same('Mul'),
  div: same('Div'),
  pow: same('Pow'),
  maximum: same('Max'),
  minimum: same('Min'),
  eq: compare('Equal'),
  ne: compare('Equal', true),
  lt: compare('Less'),
  le: compare('LessOrEqual'),
  gt: compare('Greater'),
  ge: compare('GreaterOrEqual'),
  logicalAnd: logical('And'),
  logicalOr: logical('Or'),
  where: (c) => [c.g.op('Where', [inputAs(c, 0, 'bool'), c.inputs[1], c.inputs[2]])],
};
