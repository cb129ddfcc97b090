import type { DType } from '../../dtype.js';
import * as ops from '../../ops/elementwise.js';
import type { Tensor } from '../../tensor.js';
import { mapRef, zipRefs } from '../reference/base.js';
import { refErf, refRoundHalfEven, refSigmoid } from '../reference/scalar.js';
import type { CaseGroup, ErrorCase, InputSpec, OpCase } from '../types.js';

const FLOATS: DType[] = ['f32', 'f64', 'f16', 'bf16'];
const NUMERIC: DType[] = ['f32', 'f64', 'i32', 'f16', 'bf16'];

interface UnaryRef {
  op: string;
  run: (x: Tensor) => Tensor;
  f: (x: number) => number;
  dtypes: DType[];
  range?: [number, number];
  values?: number[];
}

const positive: [number, number] = [0.05, 4];

const UNARY_REFS: UnaryRef[] = [
  { op: 'neg', run: ops.neg, f: (x) => -x, dtypes: NUMERIC },
  { op: 'abs', run: ops.abs, f: Math.abs, dtypes: NUMERIC },
  { op: 'exp', run: ops.exp, f: Math.exp, dtypes: [...FLOATS, 'i32'] },
  { op: 'log', run: ops.log, f: Math.log, dtypes: FLOATS, range: positive },
  { op: 'log1p', run: ops.log1p, f: (x) => Math.log(1 + x), dtypes: FLOATS, range: [-0.9, 3] },
  { op: 'expm1', run: ops.expm1, f: (x) => Math.exp(x) - 1, dtypes: FLOATS, range: [-2, 2] },
  { op: 'sqrt', run: ops.sqrt, f: Math.sqrt, dtypes: FLOATS, range: positive },
  { op: 'rsqrt', run: ops.rsqrt, f: (x) => Math.sqrt(x) ** -1, dtypes: FLOATS, range: positive },
  { op: 'square', run: ops.square, f: (x) => x * x, dtypes: NUMERIC },
  { op: 'reciprocal', run: ops.reciprocal, f: (x) => 1 / x, dtypes: FLOATS, range: positive },
  { op: 'sin', run: ops.sin, f: Math.sin, dtypes: FLOATS },
  { op: 'cos', run: ops.cos, f: Math.cos, dtypes: FLOATS },
  { op: 'tanh', run: ops.tanh, f: (x) => (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1), dtypes: FLOATS },
  { op: 'sigmoid', run: ops.sigmoid, f: refSigmoid, dtypes: FLOATS },
  { op: 'relu', run: ops.relu, f: (x) => (x > 0 ? x : 0), dtypes: NUMERIC },
  { op: 'gelu', run: (x) => ops.gelu(x), f: (x) => (x / 2) * (1 + refErf(x / Math.SQRT2)), dtypes: FLOATS },
  {
    op: 'gelu',
    run: (x) => ops.gelu(x, { approximate: 'tanh' }),
    f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    dtypes: FLOATS,
  },
  { op: 'silu', run: ops.silu, f: (x) => x * refSigmoid(x), dtypes: FLOATS },
  { op: 'softplus', run: (x) => ops.softplus(x), f: (x) => Math.log(1 + Math.exp(x)), dtypes: FLOATS },
  {
    op: 'softplus',
    run: (x) => ops.softplus(x, { beta: 2, threshold: 3 }),
    f: (x) => (2 * x > 3 ? x : Math.log(1 + Math.exp(2 * x)) / 2),
    dtypes: ['f32', 'f64'],
  },
  {
    op: 'sign',
    run: ops.sign,
    f: (x) => (x === 0 ? 0 : x / Math.abs(x)),
    dtypes: NUMERIC,
    values: [-2.5, 0, 3, -0.1, 7, 0],
  },
  { op: 'floor', run: ops.floor, f: Math.floor, dtypes: NUMERIC },
  { op: 'ceil', run: ops.ceil, f: Math.ceil, dtypes: NUMERIC },
  {
    op: 'round',
    run: ops.round,
    f: refRoundHalfEven,
    dtypes: ['f32', 'f64', 'i32'],
    values: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 1.51, -2.6, 3],
  },
  { op: 'clamp', run: (x) => ops.clamp(x, -1, 2), f: (x) => (x < -1 ? -1 : x > 2 ? 2 : x), dtypes: NUMERIC },
  {
    op: 'clamp',
    run: (x) => ops.clamp(x, undefined, 0.5),
    f: (x) => (x > 0.5 ? 0.5 : x),
    dtypes: ['f32', 'f64'],
  },
  { op: 'erf', run: ops.erf, f: refErf, dtypes: ['f32', 'f64'] },
  { op: 'logicalNot', run: ops.logicalNot, f: (x) => (x === 0 ? 1 : 0), dtypes: ['bool', 'f32', 'i32'] },
];

/** Shapes every unary op runs at: odd sizes, size 0 and 1, a scalar, and non-contiguous views. */
function unaryShapes(r: UnaryRef): { label: string; spec: InputSpec }[] {
  if (r.values)
    return [{ label: `values [${r.values.length}]`, spec: { shape: [r.values.length], values: r.values } }];
  const range = r.range;
  return [
    { label: '[7, 5]', spec: { shape: [7, 5], range } },
    { label: 'scalar', spec: { shape: [], range } },
    { label: '[0, 3]', spec: { shape: [0, 3], range } },
    { label: '[1]', spec: { shape: [1], range } },
    { label: 'transposed [3, 4]', spec: { shape: [3, 4], layout: 'transposed', range } },
    { label: 'strided [2, 3, 5]', spec: { shape: [2, 3, 5], layout: 'strided', range } },
  ];
}

const unaryCases: OpCase[] = UNARY_REFS.flatMap((r, k) =>
  unaryShapes(r).map(({ label, spec }) => ({
    op: r.op,
    name: `#${k} ${label}`,
    inputs: [spec],
    dtypes: r.dtypes,
    run: ([x]: Tensor[]) => r.run(x),
    ref: ([x]) => mapRef(x, r.f),
  })),
);

interface BinaryRef {
  op: string;
  run: (a: Tensor, b: Tensor) => Tensor;
  f: (a: number, b: number) => number;
  dtypes: DType[];
  range?: [number, number];
  rangeB?: [number, number];
}

const BINARY_REFS: BinaryRef[] = [
  { op: 'add', run: ops.add, f: (a, b) => a + b, dtypes: NUMERIC },
  { op: 'sub', run: ops.sub, f: (a, b) => a - b, dtypes: NUMERIC },
  { op: 'mul', run: ops.mul, f: (a, b) => a * b, dtypes: NUMERIC },
  { op: 'div', run: ops.div, f: (a, b) => a / b, dtypes: [...FLOATS, 'i32'], rangeB: [1, 4] },
  { op: 'pow', run: ops.pow, f: (a, b) => a ** b, dtypes: FLOATS, range: [0.1, 3], rangeB: [-2, 2] },
  { op: 'pow', run: ops.pow, f: (a, b) => a ** b, dtypes: ['i32'], range: [-3, 3], rangeB: [0, 3] },
  { op: 'maximum', run: ops.maximum, f: (a, b) => (a > b ? a : b), dtypes: NUMERIC },
  { op: 'minimum', run: ops.minimum, f: (a, b) => (a < b ? a : b), dtypes: NUMERIC },
  {
    op: 'eq',
    run: ops.eq,
    f: (a, b) => Number(a === b),
    dtypes: ['f32', 'i32', 'bool'],
    range: [-2, 2],
    rangeB: [-2, 2],
  },
  {
    op: 'ne',
    run: ops.ne,
    f: (a, b) => Number(a !== b),
    dtypes: ['f32', 'i32'],
    range: [-2, 2],
    rangeB: [-2, 2],
  },
  { op: 'lt', run: ops.lt, f: (a, b) => Number(a < b), dtypes: ['f32', 'f64', 'i32'] },
  {
    op: 'le',
    run: ops.le,
    f: (a, b) => Number(a <= b),
    dtypes: ['f32', 'i32'],
    range: [-2, 2],
    rangeB: [-2, 2],
  },
  { op: 'gt', run: ops.gt, f: (a, b) => Number(a > b), dtypes: ['f32', 'f64', 'i32', 'f16'] },
  {
    op: 'ge',
    run: ops.ge,
    f: (a, b) => Number(a >= b),
    dtypes: ['f32', 'i32'],
    range: [-2, 2],
    rangeB: [-2, 2],
  },
  {
    op: 'logicalAnd',
    run: ops.logicalAnd,
    f: (a, b) => Number(a !== 0 && b !== 0),
    dtypes: ['bool', 'i32'],
    range: [0, 2],
  },
  {
    op: 'logicalOr',
    run: ops.logicalOr,
    f: (a, b) => Number(a !== 0 || b !== 0),
    dtypes: ['bool', 'f32'],
    range: [0, 1],
  },
];

/** Shape pairs: equal, broadcast both ways, scalar, size 0/1, and non-contiguous operands. */
const PAIRS: { label: string; a: InputSpec; b: InputSpec }[] = [
  { label: '[5, 7] + [5, 7]', a: { shape: [5, 7] }, b: { shape: [5, 7] } },
  { label: '[3, 1] + [1, 4]', a: { shape: [3, 1] }, b: { shape: [1, 4] } },
  { label: '[2, 3, 4] + [4]', a: { shape: [2, 3, 4] }, b: { shape: [4] } },
  { label: '[] + [2, 3]', a: { shape: [] }, b: { shape: [2, 3] } },
  { label: '[0, 3] + [3]', a: { shape: [0, 3] }, b: { shape: [3] } },
  { label: '[1] + [1]', a: { shape: [1] }, b: { shape: [1] } },
  {
    label: 'transposed [4, 3] + strided [4, 3]',
    a: { shape: [4, 3], layout: 'transposed' },
    b: { shape: [4, 3], layout: 'strided' },
  },
  { label: 'offset [3, 5] + [1, 5]', a: { shape: [3, 5], layout: 'offset' }, b: { shape: [1, 5] } },
];

const binaryCases: OpCase[] = BINARY_REFS.flatMap((r, k) =>
  PAIRS.map(({ label, a, b }) => ({
    op: r.op,
    name: `#${k} ${label}`,
    inputs: [
      { ...a, range: r.range },
      { ...b, range: r.rangeB ?? r.range },
    ],
    dtypes: r.dtypes,
    run: ([x, y]: Tensor[]) => r.run(x, y),
    ref: ([x, y]) => zipRefs([x, y], r.f),
  })),
);

const mixedCases: OpCase[] = [
  {
    op: 'add',
    name: 'i32 tensor + f32 tensor promotes to f32',
    inputs: [
      { shape: [2, 3], dtype: 'i32' },
      { shape: [3], dtype: 'f32' },
    ],
    dtypes: ['f32'],
    run: ([a, b]) => {
      const out = ops.add(a, b);
      if (out.dtype !== 'f32') throw new Error(`expected f32, got ${out.dtype}`);
      return out;
    },
    ref: ([a, b]) => zipRefs([a, b], (x, y) => x + y),
  },
  {
    op: 'mul',
    name: 'tensor × scalar keeps the tensor dtype',
    inputs: [{ shape: [4, 2] }],
    dtypes: ['f32', 'f64', 'i32', 'f16'],
    run: ([a]) => ops.mul(a, 3),
    ref: ([a]) => mapRef(a, (x) => 3 * x),
  },
  {
    op: 'pow',
    name: 'tensor to the scalar powers 2, 3 and 2.5 over rows of length 1, with ±0, ±∞ and NaN',
    inputs: [
      {
        shape: [2, 5, 1],
        values: [
          -2.5,
          0,
          3,
          -0.1,
          7,
          -0,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          Number.NaN,
          1.7,
        ],
      },
    ],
    dtypes: FLOATS,
    run: ([a]) => [ops.pow(a, 2), ops.pow(a, 3), ops.pow(a, 2.5)],
    ref: ([a]) => [mapRef(a, (x) => x ** 2), mapRef(a, (x) => x ** 3), mapRef(a, (x) => x ** 2.5)],
  },
  {
    op: 'sub',
    name: 'scalar − tensor',
    inputs: [{ shape: [3, 3] }],
    run: ([a]) => ops.sub(1.5, a),
    ref: ([a]) => mapRef(a, (x) => 1.5 - x),
  },
];

const whereCases: OpCase[] = [
  {
    op: 'where',
    name: 'broadcast cond [3, 1], a [1, 4], b [3, 4]',
    inputs: [{ shape: [3, 1], dtype: 'bool' }, { shape: [1, 4] }, { shape: [3, 4], layout: 'transposed' }],
    dtypes: ['f32', 'f64', 'i32', 'f16'],
    run: ([c, a, b]) => ops.where(c, a, b),
    ref: ([c, a, b]) => zipRefs([c, a, b], (k, x, y) => (k !== 0 ? x : y)),
  },
  {
    op: 'where',
    name: 'scalar branches',
    inputs: [{ shape: [2, 5], dtype: 'bool' }],
    run: ([c]) => ops.where(c, 1, -2),
    ref: ([c]) => mapRef(c, (k) => (k !== 0 ? 1 : -2)),
    dtypes: ['i32'],
  },
];

const errors: ErrorCase[] = [
  ...(
    [
      'add',
      'sub',
      'mul',
      'div',
      'pow',
      'maximum',
      'minimum',
      'eq',
      'ne',
      'lt',
      'le',
      'gt',
      'ge',
      'logicalAnd',
      'logicalOr',
    ] as const
  ).map(
    (op): ErrorCase => ({
      op,
      name: 'shapes that do not broadcast',
      run: (h) =>
        (ops as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[op](h.t([2, 3]), h.t([4, 3])),
      mentions: ['[2, 3]', '[4, 3]'],
    }),
  ),
  ...UNARY_REFS.filter((r) =>
    ['neg', 'abs', 'square', 'relu', 'sign', 'floor', 'ceil', 'round', 'clamp'].includes(r.op),
  ).map(
    (r): ErrorCase => ({
      op: r.op,
      name: 'a bool tensor',
      run: (h) => r.run(h.t([2, 2], 'bool')),
      mentions: ['bool'],
    }),
  ),
  ...UNARY_REFS.filter(
    (r) => !['neg', 'abs', 'square', 'relu', 'sign', 'floor', 'ceil', 'round', 'clamp'].includes(r.op),
  ).map(
    (r): ErrorCase => ({
      op: r.op,
      name: 'a non-tensor input',
      run: () => r.run([1, 2] as unknown as Tensor),
      mentions: ['Tensor'],
    }),
  ),
  { op: 'clamp', name: 'min above max', run: (h) => ops.clamp(h.t([2]), 3, 1), mentions: ['3', '1'] },
  {
    op: 'gelu',
    name: 'an unknown approximation',
    run: (h) => ops.gelu(h.t([2]), { approximate: 'x' as 'tanh' }),
    mentions: ["'x'"],
  },
  {
    op: 'softplus',
    name: 'a non-positive beta',
    run: (h) => ops.softplus(h.t([2]), { beta: 0 }),
    mentions: ['0'],
  },
  {
    op: 'where',
    name: 'a non-bool condition',
    run: (h) => ops.where(h.t([2]), h.t([2]), h.t([2])),
    mentions: ['f32'],
  },
  {
    op: 'where',
    name: 'shapes that do not broadcast',
    run: (h) => ops.where(h.t([2], 'bool'), h.t([3]), h.t([2])),
    mentions: ['[2]', '[3]'],
  },
];

export const elementwiseGroup: CaseGroup = {
  cases: [...unaryCases, ...binaryCases, ...mixedCases, ...whereCases],
  errors,
};
