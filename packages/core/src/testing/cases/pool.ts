import type { DType } from '../../dtype.js';
import {
  type AvgPool2dOptions,
  avgPool2d,
  avgPool2dBackward,
  type MaxPool2dOptions,
  maxPool2d,
  maxPool2dBackward,
} from '../../ops/pool.js';
import type { Pair } from '../../ops/window.js';
import type { Ref } from '../reference/base.js';
import {
  type RefPool,
  refAvgPool2d,
  refAvgPool2dBackward,
  refMaxPool2d,
  refMaxPool2dBackward,
} from '../reference/pool.js';
import type { CaseGroup, ErrorCase, InputSpec, OpCase } from '../types.js';

const FLOATS: DType[] = ['f32', 'f64', 'f16', 'bf16'];

const pair = (v: number | Pair | undefined, d: Pair): Pair =>
  v === undefined ? d : typeof v === 'number' ? [v, v] : v;

function refAttrs(o: MaxPool2dOptions | AvgPool2dOptions): RefPool {
  const kernel = pair(o.kernelSize, [1, 1]);
  return {
    kernel,
    stride: pair(o.stride, kernel),
    padding: pair(o.padding, [0, 0]),
    dilation: pair('dilation' in o ? o.dilation : undefined, [1, 1]),
  };
}

/** Small integers, so windows hold ties (the first max must win). */
const ties = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 7) % 5);

function lift(x: Ref, f: (x4: Ref) => Ref): Ref {
  if (x.shape.length === 4) return f(x);
  const r = f({ shape: [1, ...x.shape], data: x.data });
  return { shape: r.shape.slice(1), data: r.data };
}

function maxCase(name: string, x: InputSpec, o: MaxPool2dOptions, dtypes?: DType[]): OpCase {
  return {
    op: 'maxPool2d',
    name,
    inputs: [x],
    dtypes,
    run: ([t]) => maxPool2d(t, o),
    ref: ([r]) => lift(r, (r4) => refMaxPool2d(r4, refAttrs(o))),
  };
}

function avgCase(name: string, x: InputSpec, o: AvgPool2dOptions, dtypes?: DType[]): OpCase {
  return {
    op: 'avgPool2d',
    name,
    inputs: [x],
    dtypes,
    run: ([t]) => avgPool2d(t, o),
    ref: ([r]) => lift(r, (r4) => refAvgPool2d(r4, refAttrs(o), o.countIncludePad ?? true)),
  };
}

function outShape(xs: number[], o: MaxPool2dOptions | AvgPool2dOptions): number[] {
  const a = refAttrs(o);
  const d = a.dilation ?? [1, 1];
  const size = (k: 0 | 1) =>
    Math.floor((xs[2 + k] + 2 * a.padding[k] - d[k] * (a.kernel[k] - 1) - 1) / a.stride[k]) + 1;
  return [xs[0], xs[1], size(0), size(1)];
}

const cases: OpCase[] = [
  maxCase('[2, 3, 7, 7], kernel 2', { shape: [2, 3, 7, 7] }, { kernelSize: 2 }, FLOATS),
  maxCase('kernel 3, stride 2, padding 1', { shape: [1, 2, 9, 8] }, { kernelSize: 3, stride: 2, padding: 1 }),
  maxCase(
    'dilation 2, kernel [2, 3], stride 1',
    { shape: [1, 2, 7, 9] },
    { kernelSize: [2, 3], stride: 1, dilation: 2 },
  ),
  maxCase('ties: the first max', { shape: [1, 1, 6, 6], values: ties(36) }, { kernelSize: 3, stride: 1 }, [
    'f32',
    'f64',
  ]),
  maxCase('strided input', { shape: [2, 2, 5, 6], layout: 'strided' }, { kernelSize: [2, 3] }),
  maxCase('unbatched [3, 5, 5]', { shape: [3, 5, 5] }, { kernelSize: 2, stride: 1 }),
  avgCase('[2, 3, 7, 7], kernel 2', { shape: [2, 3, 7, 7] }, { kernelSize: 2 }, FLOATS),
  avgCase(
    'kernel 3, stride 2, padding 1, padding counted',
    { shape: [1, 2, 9, 8] },
    { kernelSize: 3, stride: 2, padding: 1 },
  ),
  avgCase(
    'padding not counted',
    { shape: [1, 2, 7, 6] },
    { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false },
  ),
  avgCase(
    'transposed input, kernel [3, 2]',
    { shape: [1, 2, 6, 7], layout: 'transposed' },
    { kernelSize: [3, 2], stride: [1, 2] },
  ),
  {
    op: 'maxPool2dBackward',
    name: 'overlapping windows with ties, padding 1',
    inputs: [
      { shape: [1, 2, 7, 6], values: ties(84) },
      { shape: outShape([1, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1 }) },
    ],
    run: ([x, gy]) => maxPool2dBackward(x, gy, { kernelSize: 3, stride: 2, padding: 1 }),
    ref: ([x, gy]) => refMaxPool2dBackward(x, gy, refAttrs({ kernelSize: 3, stride: 2, padding: 1 })),
  },
  {
    op: 'maxPool2dBackward',
    name: 'dilation 2',
    inputs: [
      { shape: [2, 1, 7, 7] },
      { shape: outShape([2, 1, 7, 7], { kernelSize: 2, stride: 1, dilation: 2 }) },
    ],
    run: ([x, gy]) => maxPool2dBackward(x, gy, { kernelSize: 2, stride: 1, dilation: 2 }),
    ref: ([x, gy]) => refMaxPool2dBackward(x, gy, refAttrs({ kernelSize: 2, stride: 1, dilation: 2 })),
  },
  {
    op: 'avgPool2dBackward',
    name: 'overlapping windows, padding counted',
    inputs: [{ shape: outShape([1, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1 }) }],
    run: ([gy]) => avgPool2dBackward(gy, [1, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1 }),
    ref: ([gy]) =>
      refAvgPool2dBackward(gy, [1, 2, 7, 6], refAttrs({ kernelSize: 3, stride: 2, padding: 1 }), true),
  },
  {
    op: 'avgPool2dBackward',
    name: 'padding not counted, strided gradOut',
    inputs: [{ shape: outShape([2, 1, 6, 5], { kernelSize: 2, stride: 1, padding: 1 }), layout: 'strided' }],
    run: ([gy]) =>
      avgPool2dBackward(gy, [2, 1, 6, 5], { kernelSize: 2, stride: 1, padding: 1, countIncludePad: false }),
    ref: ([gy]) =>
      refAvgPool2dBackward(gy, [2, 1, 6, 5], refAttrs({ kernelSize: 2, stride: 1, padding: 1 }), false),
  },
];

const errors: ErrorCase[] = [
  {
    op: 'maxPool2d',
    name: 'padding over half the kernel',
    run: (h) => maxPool2d(h.t([1, 1, 6, 6]), { kernelSize: 2, padding: 2 }),
    mentions: ['padding', '[2, 2]'],
  },
  {
    op: 'maxPool2d',
    name: 'an integer input',
    run: (h) => maxPool2d(h.t([1, 1, 4, 4], 'i32'), { kernelSize: 2 }),
    mentions: ['i32', '[1, 1, 4, 4]'],
  },
  {
    op: 'avgPool2d',
    name: 'a rank-2 input',
    run: (h) => avgPool2d(h.t([4, 4]), { kernelSize: 2 }),
    mentions: ['[4, 4]', '[N, C, H, W]'],
  },
  {
    op: 'avgPool2d',
    name: 'a kernel larger than the input',
    run: (h) => avgPool2d(h.t([1, 1, 2, 2]), { kernelSize: 3 }),
    mentions: ['[1, 1, 2, 2]', '[3, 3]'],
  },
  {
    op: 'maxPool2dBackward',
    name: 'a gradOut of the wrong shape',
    run: (h) => maxPool2dBackward(h.t([1, 1, 4, 4]), h.t([1, 1, 3, 3]), { kernelSize: 2 }),
    mentions: ['[1, 1, 3, 3]', '[1, 1, 2, 2]'],
  },
  {
    op: 'avgPool2dBackward',
    name: 'a gradOut of the wrong shape',
    run: (h) => avgPool2dBackward(h.t([1, 1, 3, 3]), [1, 1, 4, 4], { kernelSize: 2 }),
    mentions: ['[1, 1, 3, 3]', '[1, 1, 2, 2]'],
  },
];

export const poolGroup: CaseGroup = { cases, errors };
