import type { DType } from '../../dtype.js';
import { type Conv2dOptions, conv2d, conv2dBackwardInput, conv2dBackwardWeight } from '../../ops/conv.js';
import type { Pair } from '../../ops/window.js';
import type { Ref } from '../reference/base.js';
import {
  type RefConv,
  refConv2d,
  refConv2dBackwardInput,
  refConv2dBackwardWeight,
  refConv2dShape,
} from '../reference/conv.js';
import type { CaseGroup, ErrorCase, InputSpec, OpCase } from '../types.js';

const FLOATS: DType[] = ['f32', 'f64', 'f16', 'bf16'];

const pair = (v: number | Pair | undefined, d: number): Pair =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v;

function refAttrs(o: Conv2dOptions): RefConv {
  return {
    stride: pair(o.stride, 1),
    padding: pair(o.padding, 0),
    dilation: pair(o.dilation, 1),
    groups: o.groups ?? 1,
  };
}

function conv(
  name: string,
  x: InputSpec,
  w: InputSpec,
  b: InputSpec | null,
  o: Conv2dOptions,
  dtypes?: DType[],
): OpCase {
  return {
    op: 'conv2d',
    name,
    inputs: b ? [x, w, b] : [x, w],
    dtypes,
    run: ([tx, tw, tb]) => conv2d(tx, tw, tb, o),
    ref: ([rx, rw, rb]: Ref[]) => {
      if (rx.shape.length === 4) return refConv2d(rx, rw, rb, refAttrs(o));
      const r = refConv2d({ shape: [1, ...rx.shape], data: rx.data }, rw, rb, refAttrs(o));
      return { shape: r.shape.slice(1), data: r.data };
    },
  };
}

/** Backward cases: gradOut takes the conv2d output shape of the given input and weight. */
function backward(name: string, xs: number[], ws: number[], o: Conv2dOptions): OpCase[] {
  const ys = refConv2dShape(xs, ws, refAttrs(o));
  return [
    {
      op: 'conv2dBackwardInput',
      name,
      inputs: [{ shape: ys }, { shape: ws }],
      run: ([gy, w]) => conv2dBackwardInput(gy, w, xs, o),
      ref: ([gy, w]) => refConv2dBackwardInput(gy, w, xs, refAttrs(o)),
    },
    {
      op: 'conv2dBackwardWeight',
      name,
      inputs: [{ shape: xs }, { shape: ys }],
      run: ([x, gy]) => conv2dBackwardWeight(x, gy, ws, o),
      ref: ([x, gy]) => refConv2dBackwardWeight(x, gy, ws, refAttrs(o)),
    },
  ];
}

const cases: OpCase[] = [
  conv('[2, 3, 7, 7] * [4, 3, 3, 3]', { shape: [2, 3, 7, 7] }, { shape: [4, 3, 3, 3] }, null, {}, FLOATS),
  conv(
    'bias, stride 2, padding 1',
    { shape: [1, 2, 9, 8] },
    { shape: [3, 2, 3, 3] },
    { shape: [3] },
    { stride: 2, padding: 1 },
  ),
  conv('dilation 2, padding [1, 2], stride [1, 2]', { shape: [2, 2, 9, 10] }, { shape: [2, 2, 3, 2] }, null, {
    stride: [1, 2],
    padding: [1, 2],
    dilation: 2,
  }),
  conv(
    'groups 2, padding 1',
    { shape: [1, 4, 6, 5] },
    { shape: [6, 2, 3, 3] },
    { shape: [6] },
    { groups: 2, padding: 1 },
  ),
  conv('depthwise (groups = channels)', { shape: [1, 3, 5, 5] }, { shape: [3, 1, 3, 3] }, null, {
    groups: 3,
  }),
  conv(
    'strided input, offset weight',
    { shape: [1, 2, 5, 6], layout: 'strided' },
    { shape: [2, 2, 2, 2], layout: 'offset' },
    null,
    {},
  ),
  conv('transposed input', { shape: [1, 2, 6, 5], layout: 'transposed' }, { shape: [3, 2, 2, 3] }, null, {
    padding: 1,
  }),
  conv('1x1 kernel', { shape: [2, 5, 4, 4] }, { shape: [3, 5, 1, 1] }, { shape: [3] }, {}),
  conv('unbatched [3, 6, 6]', { shape: [3, 6, 6] }, { shape: [2, 3, 3, 3] }, null, { padding: 1 }),
  conv('empty batch', { shape: [0, 2, 5, 5] }, { shape: [3, 2, 3, 3] }, null, {}),
  conv(
    '[1, 8, 13, 13] * [16, 8, 3, 3]',
    { shape: [1, 8, 13, 13] },
    { shape: [16, 8, 3, 3] },
    null,
    { padding: 1 },
    ['f32'],
  ),
  ...backward('groups 2, stride 2, padding 1', [2, 4, 7, 6], [6, 2, 3, 3], {
    groups: 2,
    stride: 2,
    padding: 1,
  }),
  ...backward('dilation [2, 1], padding [1, 0]', [1, 3, 8, 9], [2, 3, 2, 3], {
    dilation: [2, 1],
    padding: [1, 0],
  }),
  ...backward('stride 3 skips inputs', [1, 2, 8, 8], [2, 2, 2, 2], { stride: 3 }),
];

const errors: ErrorCase[] = [
  {
    op: 'conv2d',
    name: 'input channels that do not match the weight',
    run: (h) => conv2d(h.t([1, 3, 5, 5]), h.t([2, 2, 3, 3])),
    mentions: ['[1, 3, 5, 5]', '[2, 2, 3, 3]'],
  },
  {
    op: 'conv2d',
    name: 'groups that do not divide the channels',
    run: (h) => conv2d(h.t([1, 4, 5, 5]), h.t([3, 2, 3, 3]), undefined, { groups: 2 }),
    mentions: ['groups 2', '[3, 2, 3, 3]'],
  },
  {
    op: 'conv2d',
    name: 'an integer input',
    run: (h) => conv2d(h.t([1, 1, 3, 3], 'i32'), h.t([1, 1, 2, 2], 'i32')),
    mentions: ['i32', '[1, 1, 3, 3]'],
  },
  {
    op: 'conv2d',
    name: 'a kernel larger than the input',
    run: (h) => conv2d(h.t([1, 1, 2, 2]), h.t([1, 1, 3, 3])),
    mentions: ['[1, 1, 2, 2]', '[1, 1, 3, 3]'],
  },
  {
    op: 'conv2d',
    name: 'a bias of the wrong length',
    run: (h) => conv2d(h.t([1, 1, 4, 4]), h.t([2, 1, 3, 3]), h.t([3])),
    mentions: ['[2]', '[3]'],
  },
  {
    op: 'conv2d',
    name: 'a zero stride',
    run: (h) => conv2d(h.t([1, 1, 4, 4]), h.t([1, 1, 3, 3]), undefined, { stride: 0 }),
    mentions: ['stride', '0'],
  },
  {
    op: 'conv2dBackwardInput',
    name: 'a gradOut of the wrong shape',
    run: (h) => conv2dBackwardInput(h.t([1, 2, 3, 3]), h.t([2, 1, 3, 3]), [1, 1, 4, 4]),
    mentions: ['[1, 2, 3, 3]', '[1, 2, 2, 2]'],
  },
  {
    op: 'conv2dBackwardWeight',
    name: 'a gradOut of the wrong shape',
    run: (h) => conv2dBackwardWeight(h.t([1, 1, 4, 4]), h.t([1, 3, 2, 2]), [2, 1, 3, 3]),
    mentions: ['[1, 3, 2, 2]', '[1, 2, 2, 2]'],
  },
];

export const convGroup: CaseGroup = { cases, errors };
