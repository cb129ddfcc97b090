import type { Tensor } from '@tessera/core';
import * as core from '@tessera/core';
import type { InputSpec } from '@tessera/core/testing';
import type { GradCase } from '../types.js';

type Unary = (x: Tensor) => Tensor;

/** Unary ops and the input range their derivative is smooth on. */
const UNARY: [string, Unary, [number, number]][] = [
  ['neg', core.neg, [-3, 3]],
  ['abs', core.abs, [-3, 3]],
  ['exp', core.exp, [-2, 2]],
  ['log', core.log, [0.3, 3]],
  ['log1p', core.log1p, [-0.5, 3]],
  ['expm1', core.expm1, [-2, 2]],
  ['sqrt', core.sqrt, [0.3, 3]],
  ['rsqrt', core.rsqrt, [0.3, 3]],
  ['square', core.square, [-3, 3]],
  ['reciprocal', core.reciprocal, [0.3, 3]],
  ['sin', core.sin, [-3, 3]],
  ['cos', core.cos, [-3, 3]],
  ['tanh', core.tanh, [-2, 2]],
  ['sigmoid', core.sigmoid, [-3, 3]],
  ['relu', core.relu, [-3, 3]],
  ['gelu', core.gelu, [-3, 3]],
  ['silu', core.silu, [-3, 3]],
  ['softplus', core.softplus, [-3, 3]],
  ['sign', core.sign, [-3, 3]],
  ['floor', core.floor, [-3, 3]],
  ['ceil', core.ceil, [-3, 3]],
  ['round', core.round, [-3, 3]],
  ['clamp', (x) => core.clamp(x, -1, 1), [-2, 2]],
  ['erf', core.erf, [-2, 2]],
];

type Binary = (a: Tensor, b: Tensor) => Tensor;

const BINARY: [string, Binary, [number, number], [number, number]][] = [
  ['add', core.add, [-3, 3], [-3, 3]],
  ['sub', core.sub, [-3, 3], [-3, 3]],
  ['mul', core.mul, [-3, 3], [-3, 3]],
  ['div', core.div, [-3, 3], [0.5, 3]],
  ['pow', core.pow, [0.5, 2], [-2, 2]],
  ['maximum', core.maximum, [-3, 3], [-3, 3]],
  ['minimum', core.minimum, [-3, 3], [-3, 3]],
];

const spec = (shape: number[], range: [number, number], layout?: InputSpec['layout']): InputSpec => ({
  shape,
  range,
  layout,
});

export const ELEMENTWISE_CASES: GradCase[] = [
  ...UNARY.flatMap(([op, f, r]): GradCase[] => [
    { op, name: `${op} [3, 4]`, inputs: [spec([3, 4], r)], run: ([x]) => f(x) },
    { op, name: `${op} transposed`, inputs: [spec([3, 4], r, 'transposed')], run: ([x]) => f(x) },
  ]),
  {
    op: 'gelu',
    name: 'gelu tanh approximation',
    inputs: [spec([5], [-3, 3])],
    run: ([x]) => core.gelu(x, { approximate: 'tanh' }),
  },
  {
    op: 'softplus',
    name: 'softplus beta 2 past its threshold',
    inputs: [spec([6], [-3, 6])],
    run: ([x]) => core.softplus(x, { beta: 2, threshold: 4 }),
  },
  ...BINARY.flatMap(([op, f, ra, rb]): GradCase[] => [
    { op, name: `${op} same shape`, inputs: [spec([2, 3], ra), spec([2, 3], rb)], run: ([a, b]) => f(a, b) },
    {
      op,
      name: `${op} broadcast [3, 1] with [4]`,
      inputs: [spec([3, 1], ra), spec([4], rb)],
      run: ([a, b]) => f(a, b),
    },
    {
      op,
      name: `${op} transposed with strided`,
      inputs: [spec([3, 4], ra, 'transposed'), spec([3, 4], rb, 'strided')],
      run: ([a, b]) => f(a, b),
    },
  ]),
  {
    op: 'pow',
    name: 'pow by a scalar exponent',
    inputs: [spec([4], [-2, 2])],
    run: ([x]) => core.pow(x, 3),
  },
  {
    op: 'where',
    name: 'where with broadcast branches',
    inputs: [{ shape: [3, 4], dtype: 'bool' }, spec([3, 1], [-3, 3]), spec([4], [-3, 3], 'strided')],
    run: ([c, a, b]) => core.where(c, a, b),
  },
];
