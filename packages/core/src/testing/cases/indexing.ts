import type { DType } from '../../dtype.js';
import * as ix from '../../ops/indexing.js';
import * as jn from '../../ops/joining.js';
import * as pd from '../../ops/pad.js';
import * as ra from '../../ops/rearrange.js';
import type { Tensor } from '../../tensor.js';
import {
  refConcat,
  refFlip,
  refGather,
  refIndexSelect,
  refOneHot,
  refPad,
  refPadBackward,
  refRepeat,
  refScatterAdd,
  refSlice,
  refSliceScatter,
  refStack,
  refTakeAlongAxis,
  refTriangle,
} from '../reference/indexing.js';
import type { CaseGroup, ErrorCase, ErrorHelpers, OpCase } from '../types.js';

const ALL: DType[] = ['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'];
const NUMERIC: DType[] = ['f32', 'f64', 'i32', 'f16', 'bf16'];

/** An i32 index tensor with the given values on the error case's backend. */
function idx(h: ErrorHelpers, values: number[], shape: number[] = [values.length]): Tensor {
  return h.t(shape, 'i32', values);
}

const cases: OpCase[] = [
  // ---- concat, stack, split, chunk ----
  {
    op: 'concat',
    name: 'three tensors along axis 1, one of them empty',
    inputs: [{ shape: [2, 3] }, { shape: [2, 0] }, { shape: [2, 1] }],
    dtypes: ALL,
    run: (xs) => jn.concat(xs, 1),
    ref: (xs) => refConcat(xs, 1),
  },
  {
    op: 'concat',
    name: 'non-contiguous inputs along a negative axis',
    inputs: [
      { shape: [3, 2, 4], layout: 'transposed' },
      { shape: [3, 2, 5], layout: 'strided' },
      { shape: [3, 2, 1], layout: 'offset' },
    ],
    run: (xs) => jn.concat(xs, -1),
    ref: (xs) => refConcat(xs, 2),
  },
  {
    op: 'concat',
    name: 'stack of [3] and [3] along axis 0 and -1',
    inputs: [{ shape: [3] }, { shape: [3], layout: 'strided' }],
    dtypes: ALL,
    run: (xs) => [jn.stack(xs), jn.stack(xs, -1)],
    ref: (xs) => [refStack(xs, 0), refStack(xs, 1)],
  },
  {
    op: 'slice',
    name: 'split [7, 2] into sizes 3, 3, 1 and into sections [2, 0, 5]',
    inputs: [{ shape: [7, 2], layout: 'transposed' }],
    dtypes: ALL,
    run: ([x]) => [...jn.split(x, 3), ...jn.split(x, [2, 0, 5])],
    ref: ([x]) => [
      refSlice(x, 0, 0, 3),
      refSlice(x, 0, 3, 6),
      refSlice(x, 0, 6, 7),
      refSlice(x, 0, 0, 2),
      refSlice(x, 0, 2, 2),
      refSlice(x, 0, 2, 7),
    ],
  },
  {
    op: 'slice',
    name: 'chunk 5 into 3 and 6 into 4 (PyTorch gives 3 pieces of 2)',
    inputs: [{ shape: [2, 5] }, { shape: [6] }],
    run: ([x, y]) => [...jn.chunk(x, 3, 1), ...jn.chunk(y, 4)],
    ref: ([x, y]) => [
      refSlice(x, 1, 0, 2),
      refSlice(x, 1, 2, 4),
      refSlice(x, 1, 4, 5),
      refSlice(y, 0, 0, 2),
      refSlice(y, 0, 2, 4),
      refSlice(y, 0, 4, 6),
    ],
  },
  {
    op: 'slice',
    name: 'chunk of an empty axis gives empty pieces',
    inputs: [{ shape: [0, 3] }],
    run: ([x]) => jn.chunk(x, 2),
    ref: ([x]) => [refSlice(x, 0, 0, 0), refSlice(x, 0, 0, 0)],
  },
  // ---- sliceScatter ----
  {
    op: 'sliceScatter',
    name: 'every other column of [3, 7] from 1 to 6',
    inputs: [{ shape: [3, 7] }, { shape: [3, 3], layout: 'transposed' }],
    dtypes: ALL,
    run: ([b, s]) => jn.sliceScatter(b, s, 1, 1, 6, 2),
    ref: ([b, s]) => refSliceScatter(b, s, 1, 1, 6, 2),
  },
  {
    op: 'sliceScatter',
    name: 'negative start on a strided base, and an empty slice',
    inputs: [{ shape: [5, 3], layout: 'strided' }, { shape: [2, 3], layout: 'offset' }, { shape: [0, 3] }],
    run: ([b, s, e]) => [jn.sliceScatter(b, s, 0, -2), jn.sliceScatter(b, e, 0, 4, 2)],
    ref: ([b, s, e]) => [refSliceScatter(b, s, 0, 3, 5, 1), refSliceScatter(b, e, 0, 4, 4, 1)],
  },
  // ---- gather, takeAlongAxis ----
  {
    op: 'gather',
    name: 'axis 1 of [3, 4] with a smaller [2, 5] index',
    inputs: [{ shape: [3, 4] }, { shape: [2, 5], dtype: 'i32', range: [0, 3] }],
    dtypes: ALL,
    run: ([x, i]) => ix.gather(x, 1, i),
    ref: ([x, i]) => refGather(x, 1, i),
  },
  {
    op: 'gather',
    name: 'axis 0 of a transposed input with a strided index',
    inputs: [
      { shape: [5, 3], layout: 'transposed' },
      { shape: [4, 3], dtype: 'i32', range: [0, 4], layout: 'strided' },
    ],
    run: ([x, i]) => ix.gather(x, 0, i),
    ref: ([x, i]) => refGather(x, 0, i),
  },
  {
    op: 'gather',
    name: 'size-1 and size-0 index dims of a rank-3 input',
    inputs: [
      { shape: [2, 3, 4] },
      { shape: [2, 1, 3], dtype: 'i32', range: [0, 2] },
      { shape: [0, 3, 4], dtype: 'i32', values: [] },
    ],
    run: ([x, i, e]) => [ix.gather(x, -2, i), ix.gather(x, 2, e)],
    ref: ([x, i, e]) => [refGather(x, 1, i), refGather(x, 2, e)],
  },
  {
    op: 'gather',
    name: 'takeAlongAxis broadcasts [1, 4] x against a [3, 2] index',
    inputs: [{ shape: [1, 4] }, { shape: [3, 2], dtype: 'i32', range: [0, 3] }],
    dtypes: ALL,
    run: ([x, i]) => ix.takeAlongAxis(x, i, 1),
    ref: ([x, i]) => refTakeAlongAxis(x, i, 1),
  },
  {
    op: 'gather',
    name: 'takeAlongAxis along axis 0 with a [2, 1] index (argsort-style)',
    inputs: [
      { shape: [3, 5], layout: 'offset' },
      { shape: [2, 1], dtype: 'i32', values: [2, 0] },
    ],
    run: ([x, i]) => ix.takeAlongAxis(x, i, 0),
    ref: ([x, i]) => refTakeAlongAxis(x, i, 0),
  },
  // ---- indexSelect ----
  {
    op: 'indexSelect',
    name: 'repeated and reordered rows of [4, 3]',
    inputs: [{ shape: [4, 3] }, { shape: [5], dtype: 'i32', values: [3, 0, 0, 2, 3] }],
    dtypes: ALL,
    run: ([x, i]) => ix.indexSelect(x, 0, i),
    ref: ([x, i]) => refIndexSelect(x, 0, i),
  },
  {
    op: 'indexSelect',
    name: 'last axis of a transposed rank-3 input with a strided index, and an empty index',
    inputs: [
      { shape: [2, 3, 4], layout: 'transposed' },
      { shape: [3], dtype: 'i32', values: [3, 1, 1], layout: 'strided' },
      { shape: [0], dtype: 'i32', values: [] },
    ],
    run: ([x, i, e]) => [ix.indexSelect(x, -1, i), ix.indexSelect(x, 1, e)],
    ref: ([x, i, e]) => [refIndexSelect(x, 2, i), refIndexSelect(x, 1, e)],
  },
  {
    op: 'indexSelect',
    name: 'whole rows of an offset rank-3 input with a strided index (block copies)',
    inputs: [
      { shape: [5, 2, 3], layout: 'offset' },
      { shape: [4], dtype: 'i32', values: [4, 0, 4, 2], layout: 'strided' },
    ],
    dtypes: ALL,
    run: ([x, i]) => ix.indexSelect(x, 0, i),
    ref: ([x, i]) => refIndexSelect(x, 0, i),
  },
  // ---- scatterAdd ----
  {
    op: 'scatterAdd',
    name: 'one index per row broadcast along it, as an embedding gradient (whole-row adds)',
    inputs: [
      { shape: [3, 4], layout: 'offset' },
      { shape: [5], dtype: 'i32', values: [2, 0, 2, 2, 1] },
      { shape: [5, 4], layout: 'offset' },
    ],
    dtypes: NUMERIC,
    run: ([x, i, s]) => ix.scatterAdd(x, 0, i.reshape([5, 1]).expand(5, 4), s),
    ref: ([x, i, s]) =>
      refScatterAdd(
        x,
        0,
        { shape: [5, 4], data: Float64Array.from({ length: 20 }, (_, k) => i.data[k >> 2]) },
        s,
      ),
    tol: 1e-5,
  },
  {
    op: 'scatterAdd',
    name: 'repeated indices accumulate along axis 0',
    inputs: [
      { shape: [3, 4] },
      { shape: [2, 4], dtype: 'i32', values: [0, 1, 2, 0, 0, 1, 2, 0] },
      { shape: [3, 4] },
    ],
    dtypes: NUMERIC,
    run: ([x, i, s]) => ix.scatterAdd(x, 0, i, s),
    ref: ([x, i, s]) => refScatterAdd(x, 0, i, s),
    tol: 1e-5,
  },
  {
    op: 'scatterAdd',
    name: 'axis 1 with non-contiguous input, index and src',
    inputs: [
      { shape: [3, 5], layout: 'transposed' },
      { shape: [3, 6], dtype: 'i32', range: [0, 4], layout: 'strided' },
      { shape: [4, 6], layout: 'offset' },
    ],
    run: ([x, i, s]) => ix.scatterAdd(x, 1, i, s),
    ref: ([x, i, s]) => refScatterAdd(x, 1, i, s),
  },
  {
    op: 'scatterAdd',
    name: 'bool adds as logical or',
    inputs: [{ shape: [4] }, { shape: [3], dtype: 'i32', values: [1, 1, 3] }, { shape: [3] }],
    dtypes: ['bool'],
    run: ([x, i, s]) => ix.scatterAdd(x, 0, i, s),
    ref: ([x, i, s]) => refScatterAdd(x, 0, i, s, true),
  },
  // ---- oneHot ----
  {
    op: 'oneHot',
    name: '[2, 3] indices into 4 classes at every dtype',
    inputs: [{ shape: [2, 3], dtype: 'i32', range: [0, 3], layout: 'transposed' }],
    dtypes: ['f32'],
    run: ([i]) => ALL.map((dtype) => ix.oneHot(i, 4, { dtype })),
    ref: ([i]) => ALL.map(() => refOneHot(i, 4)),
  },
  {
    op: 'oneHot',
    name: 'a 0-d index and an empty index',
    inputs: [
      { shape: [], dtype: 'i32', values: [2] },
      { shape: [0], dtype: 'i32', values: [] },
    ],
    dtypes: ['f32'],
    run: ([a, b]) => [ix.oneHot(a, 3), ix.oneHot(b, 5)],
    ref: ([a, b]) => [refOneHot(a, 3), refOneHot(b, 5)],
  },
  // ---- pad, padBackward ----
  {
    op: 'pad',
    name: 'constant 2 on the last two dims of [2, 3, 4]',
    inputs: [{ shape: [2, 3, 4] }],
    dtypes: ALL,
    run: ([x]) => pd.pad(x, [1, 2, 0, 1], { value: 2 }),
    ref: ([x], dtype) =>
      refPad(
        x,
        [
          [0, 0],
          [0, 1],
          [1, 2],
        ],
        'constant',
        dtype === 'bool' ? 1 : 2,
      ),
  },
  {
    op: 'pad',
    name: 'negative constant pads crop a transposed input',
    inputs: [{ shape: [4, 5], layout: 'transposed' }],
    run: ([x]) => pd.pad(x, [-1, 2, 1, -3], { value: -1.5 }),
    ref: ([x]) =>
      refPad(
        x,
        [
          [1, -3],
          [-1, 2],
        ],
        'constant',
        -1.5,
      ),
  },
  {
    op: 'pad',
    name: 'reflect on a strided [2, 3, 4]',
    inputs: [{ shape: [2, 3, 4], layout: 'strided' }],
    dtypes: ALL,
    run: ([x]) => pd.pad(x, [3, 2, 2, 1], { mode: 'reflect' }),
    ref: ([x]) =>
      refPad(
        x,
        [
          [0, 0],
          [2, 1],
          [3, 2],
        ],
        'reflect',
        0,
      ),
  },
  {
    op: 'pad',
    name: 'replicate on an offset [3, 1] and a size-1 dim',
    inputs: [{ shape: [3, 1], layout: 'offset' }],
    dtypes: ALL,
    run: ([x]) => pd.pad(x, [2, 3, 1, 0], { mode: 'replicate' }),
    ref: ([x]) =>
      refPad(
        x,
        [
          [1, 0],
          [2, 3],
        ],
        'replicate',
        0,
      ),
  },
  {
    op: 'pad',
    name: 'constant padding of an empty dim',
    inputs: [{ shape: [0, 2] }],
    run: ([x]) => pd.pad(x, [1, 0, 1, 1], { value: 3 }),
    ref: ([x]) =>
      refPad(
        x,
        [
          [1, 1],
          [1, 0],
        ],
        'constant',
        3,
      ),
  },
  ...(['constant', 'reflect', 'replicate'] as const).map(
    (mode): OpCase => ({
      op: 'padBackward',
      name: `${mode}: sums the gradient of every copy`,
      inputs: [{ shape: [2, 8, 9], layout: 'transposed' }],
      dtypes: ['f32', 'f64', 'f16', 'bf16'],
      run: ([g]) =>
        pd.padBackward(g, {
          pads: [
            [0, 0],
            [3, 1],
            [2, 3],
          ],
          mode,
          value: 0,
          inputShape: [2, 4, 4],
        }),
      ref: ([g]) =>
        refPadBackward(
          g,
          [2, 4, 4],
          [
            [0, 0],
            [3, 1],
            [2, 3],
          ],
          mode,
        ),
      tol: 1e-5,
    }),
  ),
  {
    op: 'padBackward',
    name: 'constant with negative pads gives zero gradient to cropped elements',
    inputs: [{ shape: [3, 2] }],
    run: ([g]) =>
      pd.padBackward(g, {
        pads: [
          [-1, 0],
          [1, -2],
        ],
        mode: 'constant',
        value: 0,
        inputShape: [4, 3],
      }),
    ref: ([g]) =>
      refPadBackward(
        g,
        [4, 3],
        [
          [-1, 0],
          [1, -2],
        ],
        'constant',
      ),
  },
  // ---- tril, triu ----
  ...([0, 1, -2] as const).flatMap((k): OpCase[] => [
    {
      op: 'tril',
      name: `batched [2, 3, 5] with k = ${k}`,
      inputs: [{ shape: [2, 3, 5], layout: k === 0 ? 'contiguous' : 'transposed' }],
      dtypes: ALL,
      run: ([x]) => ra.tril(x, k),
      ref: ([x]) => refTriangle(x, k, true),
    },
    {
      op: 'triu',
      name: `batched [2, 5, 3] with k = ${k}`,
      inputs: [{ shape: [2, 5, 3], layout: k === 0 ? 'strided' : 'offset' }],
      dtypes: ALL,
      run: ([x]) => ra.triu(x, k),
      ref: ([x]) => refTriangle(x, k, false),
    },
  ]),
  {
    op: 'tril',
    name: 'empty and 1×1 matrices',
    inputs: [{ shape: [0, 3] }, { shape: [1, 1] }],
    run: ([a, b]) => [ra.tril(a), ra.triu(b, 1)],
    ref: ([a, b]) => [refTriangle(a, 0, true), refTriangle(b, 1, false)],
  },
  // ---- repeat, tile ----
  {
    op: 'repeat',
    name: '[2, 3] repeated [2, 1, 3] (adds a leading dim)',
    inputs: [{ shape: [2, 3], layout: 'transposed' }],
    dtypes: ALL,
    run: ([x]) => ra.repeat(x, [2, 1, 3]),
    ref: ([x]) => refRepeat(x, [2, 1, 3]),
  },
  {
    op: 'repeat',
    name: 'tile pads reps with leading 1s; zero reps give an empty tensor',
    inputs: [{ shape: [2, 1, 3], layout: 'strided' }],
    run: ([x]) => [ra.tile(x, [2, 2]), ra.repeat(x, [1, 0, 2])],
    ref: ([x]) => [refRepeat(x, [1, 2, 2]), refRepeat(x, [1, 0, 2])],
  },
  {
    op: 'repeat',
    name: 'a 0-d tensor tiled to [3]',
    inputs: [{ shape: [] }],
    run: ([x]) => ra.tile(x, [3]),
    ref: ([x]) => refRepeat(x, [3]),
  },
  // ---- flip ----
  {
    op: 'flip',
    name: 'axes 0 and 2 of [2, 3, 4]',
    inputs: [{ shape: [2, 3, 4] }],
    dtypes: ALL,
    run: ([x]) => ra.flip(x, [2, 0]),
    ref: ([x]) => refFlip(x, [0, 2]),
  },
  {
    op: 'flip',
    name: 'the last axis of a transposed input, and an empty input',
    inputs: [{ shape: [3, 5], layout: 'transposed' }, { shape: [0, 2] }],
    run: ([x, e]) => [ra.flip(x, -1), ra.flip(e, 1)],
    ref: ([x, e]) => [refFlip(x, [1]), refFlip(e, [1])],
  },
];

const errors: ErrorCase[] = [
  {
    op: 'concat',
    name: 'mismatched dims outside the axis',
    run: (h) => jn.concat([h.t([2, 3]), h.t([3, 3])], 1),
    mentions: ['[3, 3]', '[2, 3]', 'axis 1'],
  },
  {
    op: 'concat',
    name: 'mixed dtypes',
    run: (h) => jn.concat([h.t([2], 'f32'), h.t([2], 'i32')]),
    mentions: ['i32', 'f32'],
  },
  { op: 'concat', name: 'an empty list', run: () => jn.concat([]), mentions: ['at least one'] },
  {
    op: 'stack',
    name: 'tensors of different shapes',
    run: (h) => jn.stack([h.t([2, 3]), h.t([3, 2])]),
    mentions: ['[3, 2]', '[2, 3]'],
  },
  {
    op: 'split',
    name: 'sections that do not add up',
    run: (h) => jn.split(h.t([5, 2]), [2, 2]),
    mentions: ['[2, 2]', '5', '[5, 2]'],
  },
  { op: 'split', name: 'a zero split size', run: (h) => jn.split(h.t([4]), 0), mentions: ['0', '[4]'] },
  { op: 'chunk', name: 'zero chunks', run: (h) => jn.chunk(h.t([4]), 0), mentions: ['0', '[4]'] },
  {
    op: 'sliceScatter',
    name: 'a src shape that differs from the slice',
    run: (h) => jn.sliceScatter(h.t([4, 6]), h.t([4, 2]), 1, 0, 6, 2),
    mentions: ['[4, 2]', '[4, 3]', '[4, 6]'],
  },
  {
    op: 'gather',
    name: 'an f32 index',
    run: (h) => ix.gather(h.t([3, 4]), 1, h.t([3, 4], 'f32')),
    mentions: ['i32', 'f32', '[3, 4]'],
  },
  {
    op: 'gather',
    name: 'an out-of-range index value',
    run: (h) => ix.gather(h.t([2, 3]), 1, idx(h, [0, 1, 3], [1, 3])),
    mentions: ['index 3', 'size 3', '[2, 3]'],
  },
  {
    op: 'gather',
    name: 'a negative index value',
    run: (h) => ix.gather(h.t([2, 3]), 0, idx(h, [-1], [1, 1])),
    mentions: ['index -1', 'size 2'],
  },
  {
    op: 'gather',
    name: 'any index into an empty axis',
    run: (h) => ix.gather(h.t([2, 0]), 1, idx(h, [0], [1, 1])),
    mentions: ['index 0', 'size 0', 'nothing to index'],
  },
  {
    op: 'gather',
    name: 'an index larger than the input outside the axis',
    run: (h) => ix.gather(h.t([2, 3]), 1, idx(h, [0, 0, 0], [3, 1])),
    mentions: ['[3, 1]', '[2, 3]'],
  },
  {
    op: 'gather',
    name: 'an index of another rank',
    run: (h) => ix.gather(h.t([2, 3]), 1, idx(h, [0, 0])),
    mentions: ['[2]', '[2, 3]', 'rank'],
  },
  {
    op: 'takeAlongAxis',
    name: 'dims that do not broadcast',
    run: (h) => ix.takeAlongAxis(h.t([2, 3]), idx(h, [0, 0, 0], [3, 1]), 1),
    mentions: ['[2, 1]', '[3, 1]'],
  },
  {
    op: 'indexSelect',
    name: 'an out-of-range index value',
    run: (h) => ix.indexSelect(h.t([4, 3]), 0, idx(h, [1, 4, 0])),
    mentions: ['index 4', 'size 4', '[4, 3]'],
  },
  {
    op: 'indexSelect',
    name: 'a 2-D index',
    run: (h) => ix.indexSelect(h.t([4, 3]), 0, idx(h, [1, 0], [1, 2])),
    mentions: ['1-D', '[1, 2]'],
  },
  {
    op: 'scatterAdd',
    name: 'an out-of-range index value',
    run: (h) => ix.scatterAdd(h.t([3]), 0, idx(h, [0, 5]), h.t([2])),
    mentions: ['index 5', 'size 3'],
  },
  {
    op: 'scatterAdd',
    name: 'an index larger than src',
    run: (h) => ix.scatterAdd(h.t([3, 3]), 0, idx(h, [0, 0, 0, 0, 0, 0], [2, 3]), h.t([2, 2])),
    mentions: ['[2, 3]', '[2, 2]', '[3, 3]'],
  },
  {
    op: 'scatterAdd',
    name: 'a src of another dtype',
    run: (h) => ix.scatterAdd(h.t([3]), 0, idx(h, [0]), h.t([1], 'f64')),
    mentions: ['f64', 'f32'],
  },
  {
    op: 'oneHot',
    name: 'an index of numClasses or more',
    run: (h) => ix.oneHot(idx(h, [0, 4, 1]), 4),
    mentions: ['index 4', '4 classes'],
  },
  {
    op: 'oneHot',
    name: 'float indices',
    run: (h) => ix.oneHot(h.t([3], 'f32'), 4),
    mentions: ['i32', 'f32', '[3]'],
  },
  {
    op: 'pad',
    name: 'reflect pads as large as the dim',
    run: (h) => pd.pad(h.t([2, 3]), [3, 0], { mode: 'reflect' }),
    mentions: ['[3, 0]', 'size 3', '[2, 3]'],
  },
  {
    op: 'pad',
    name: 'negative replicate pads',
    run: (h) => pd.pad(h.t([2, 3]), [-1, 0], { mode: 'replicate' }),
    mentions: ['non-negative', '[-1, 0]'],
  },
  {
    op: 'pad',
    name: 'more pad pairs than dims',
    run: (h) => pd.pad(h.t([3]), [1, 1, 1, 1]),
    mentions: ['[1, 1, 1, 1]', '1 trailing'],
  },
  {
    op: 'pad',
    name: 'crops larger than the dim',
    run: (h) => pd.pad(h.t([2, 3]), [-2, -2]),
    mentions: ['[-2, -2]', 'size 3'],
  },
  {
    op: 'padBackward',
    name: 'a gradient of the wrong shape',
    run: (h) =>
      pd.padBackward(h.t([4, 4]), {
        pads: [
          [1, 1],
          [1, 1],
        ],
        mode: 'constant',
        value: 0,
        inputShape: [2, 3],
      }),
    mentions: ['[4, 4]', '[4, 5]', '[2, 3]'],
  },
  { op: 'tril', name: 'a 1-D input', run: (h) => ra.tril(h.t([4])), mentions: ['rank >= 2', '[4]'] },
  { op: 'triu', name: 'a fractional k', run: (h) => ra.triu(h.t([2, 2]), 0.5), mentions: ['0.5'] },
  {
    op: 'repeat',
    name: 'fewer reps than dims',
    run: (h) => ra.repeat(h.t([2, 3]), [2]),
    mentions: ['[2, 3]', '[2]'],
  },
  {
    op: 'repeat',
    name: 'a negative rep',
    run: (h) => ra.tile(h.t([2, 3]), [-1, 2]),
    mentions: ['[-1, 2]'],
  },
  { op: 'flip', name: 'a repeated axis', run: (h) => ra.flip(h.t([2, 3]), [1, -1]), mentions: ['[1, -1]'] },
  { op: 'flip', name: 'an axis out of range', run: (h) => ra.flip(h.t([2, 3]), 2), mentions: ['axis 2'] },
];

export const indexingGroup: CaseGroup = { cases, errors };
