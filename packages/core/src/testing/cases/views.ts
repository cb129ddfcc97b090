import type { DType } from '../../dtype.js';
import { cast, clone, contiguous } from '../../ops/copy.js';
import * as v from '../../ops/views.js';
import type { Tensor } from '../../tensor.js';
import { count, get, type Ref, ref, unravel } from '../reference/base.js';
import type { CaseGroup, ErrorCase, OpCase } from '../types.js';

const ALL: DType[] = ['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'];

/** Same values, new shape (row-major order is what reshape preserves). */
const reshaped = (x: Ref, shape: number[]): Ref => ref(shape, x.data);

function refPermute(x: Ref, axes: number[]): Ref {
  const shape = axes.map((a) => x.shape[a]);
  const out = new Float64Array(count(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(x.shape.length);
    axes.forEach((a, k) => {
      src[a] = idx[k];
    });
    out[i] = get(x, src);
  }
  return { shape, data: out };
}

function refSlice(x: Ref, axis: number, start: number, end: number, step: number): Ref {
  const shape = [...x.shape];
  shape[axis] = Math.max(0, Math.ceil((end - start) / step));
  const out = new Float64Array(count(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    idx[axis] = start + idx[axis] * step;
    out[i] = get(x, idx);
  }
  return { shape, data: out };
}

function refExpand(x: Ref, shape: number[]): Ref {
  const out = new Float64Array(count(shape));
  const lead = shape.length - x.shape.length;
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = get(
      x,
      x.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k])),
    );
  }
  return { shape, data: out };
}

const cases: OpCase[] = [
  {
    op: 'reshape',
    name: '[2, 3, 4] → [4, -1]',
    inputs: [{ shape: [2, 3, 4] }],
    dtypes: ALL,
    run: ([x]) => v.reshape(x, [4, -1]),
    ref: ([x]) => reshaped(x, [4, 6]),
  },
  {
    op: 'reshape',
    name: 'transposed [3, 4] → [12] (needs a copy)',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => v.reshape(x, [12]),
    ref: ([x]) => reshaped(x, [12]),
  },
  {
    op: 'reshape',
    name: 'strided [2, 3, 4] → [6, 4] (merges outer dims without a copy)',
    inputs: [{ shape: [2, 3, 4], layout: 'strided' }],
    run: ([x]) => v.view(x, [6, 4]),
    ref: ([x]) => reshaped(x, [6, 4]),
  },
  {
    op: 'reshape',
    name: 'flatten, squeeze and unsqueeze',
    inputs: [{ shape: [2, 1, 3, 1] }],
    run: ([x]) => {
      const a = v.squeeze(x);
      const b = v.unsqueeze(a, -1);
      const c = v.flatten(b, 1);
      a.dispose();
      b.dispose();
      return c;
    },
    ref: ([x]) => reshaped(x, [2, 3]),
  },
  {
    op: 'reshape',
    name: 'squeeze one axis of [1, 3, 1]',
    inputs: [{ shape: [1, 3, 1] }],
    run: ([x]) => v.squeeze(x, 0),
    ref: ([x]) => reshaped(x, [3, 1]),
  },
  {
    op: 'reshape',
    name: 'empty [0, 4] → [2, 0, 2]',
    inputs: [{ shape: [0, 4] }],
    run: ([x]) => v.reshape(x, [2, 0, 2]),
    ref: ([x]) => reshaped(x, [2, 0, 2]),
  },
  {
    op: 'permute',
    name: '[2, 3, 4] by [2, 0, 1]',
    inputs: [{ shape: [2, 3, 4] }],
    dtypes: ALL,
    run: ([x]) => v.permute(x, [2, 0, 1]),
    ref: ([x]) => refPermute(x, [2, 0, 1]),
  },
  {
    op: 'permute',
    name: 'transpose of an offset view',
    inputs: [{ shape: [3, 5], layout: 'offset' }],
    run: ([x]) => v.transpose(x, 0, 1),
    ref: ([x]) => refPermute(x, [1, 0]),
  },
  {
    op: 'slice',
    name: 'axis 1 from 1 to 6 step 2',
    inputs: [{ shape: [3, 7] }],
    dtypes: ALL,
    run: ([x]) => v.slice(x, 1, 1, 6, 2),
    ref: ([x]) => refSlice(x, 1, 1, 6, 2),
  },
  {
    op: 'slice',
    name: 'negative bounds on a transposed input',
    inputs: [{ shape: [5, 4], layout: 'transposed' }],
    run: ([x]) => v.slice(x, 0, -3, -1),
    ref: ([x]) => refSlice(x, 0, 2, 4, 1),
  },
  {
    op: 'slice',
    name: 'empty range and narrow',
    inputs: [{ shape: [4, 3] }],
    run: ([x]) => [v.slice(x, 0, 3, 1), v.narrow(x, 1, 1, 2)],
    ref: ([x]) => [refSlice(x, 0, 3, 3, 1), refSlice(x, 1, 1, 3, 1)],
  },
  {
    op: 'expand',
    name: '[3, 1] → [2, 3, 4]',
    inputs: [{ shape: [3, 1] }],
    dtypes: ALL,
    run: ([x]) => v.expand(x, [2, 3, 4]),
    ref: ([x]) => refExpand(x, [2, 3, 4]),
  },
  {
    op: 'expand',
    name: '-1 keeps a dim; expanded then made contiguous',
    inputs: [{ shape: [1, 5], layout: 'strided' }],
    run: ([x]) => {
      const e = v.expand(x, [3, -1]);
      const c = contiguous(e);
      e.dispose();
      return c;
    },
    ref: ([x]) => refExpand(x, [3, 5]),
  },
  {
    op: 'copy',
    name: 'contiguous and clone of a permuted view',
    inputs: [{ shape: [2, 3, 4], layout: 'strided' }],
    dtypes: ALL,
    run: ([x]) => {
      const p = v.permute(x, [1, 2, 0]);
      const out = [contiguous(p), clone(x)];
      p.dispose();
      return out;
    },
    ref: ([x]) => [refPermute(x, [1, 2, 0]), x],
  },
  ...(['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'] as DType[]).map(
    (to): OpCase => ({
      op: 'cast',
      name: `to ${to}`,
      inputs: [
        {
          shape: [3, 4],
          layout: 'transposed',
          values: [0, 1.5, -2.5, 3.25, -0.75, 100, 7, -8, 0.1, 2, -1, 65504],
        },
      ],
      dtypes: ALL,
      run: ([x]) => cast(x, to),
      ref: ([x]) => {
        // Truncation toward zero for ints, x ≠ 0 for bool, storage rounding for floats.
        const f =
          to === 'i32'
            ? Math.trunc
            : to === 'bool'
              ? (a: number) => (a !== 0 ? 1 : 0)
              : to === 'f32'
                ? Math.fround
                : to === 'f16'
                  ? (a: number) => (Math.abs(a) >= 65520 ? Math.sign(a) * Number.POSITIVE_INFINITY : a) // f16 overflow
                  : (a: number) => a;
        return { shape: x.shape, data: x.data.map(f) };
      },
    }),
  ),
  {
    op: 'cast',
    name: 'i32 and bool to f32',
    inputs: [
      { shape: [6], dtype: 'i32' },
      { shape: [6], dtype: 'bool' },
    ],
    dtypes: ['f32'],
    run: ([a, b]) => [cast(a, 'f32'), cast(b, 'f32')],
    ref: ([a, b]) => [a, b],
  },
];

const errors: ErrorCase[] = [
  {
    op: 'reshape',
    name: 'a size mismatch',
    run: (h) => v.reshape(h.t([2, 3]), [4, 2]),
    mentions: ['[2, 3]', '[4, 2]'],
  },
  {
    op: 'reshape',
    name: 'two -1 dims',
    run: (h) => v.reshape(h.t([2, 3]), [-1, -1]),
    mentions: ['[-1, -1]'],
  },
  {
    op: 'reshape',
    name: 'a view that needs a copy',
    run: (h) => v.view(v.transpose(h.t([2, 3])), [6]),
    mentions: ['[3, 2]', '[6]'],
  },
  {
    op: 'permute',
    name: 'a repeated axis',
    run: (h) => v.permute(h.t([2, 3]), [0, 0]),
    mentions: ['[0, 0]'],
  },
  {
    op: 'permute',
    name: 'the wrong number of axes',
    run: (h) => v.permute(h.t([2, 3]), [0]),
    mentions: ['[2, 3]'],
  },
  {
    op: 'transpose',
    name: 'an axis out of range',
    run: (h) => v.transpose(h.t([2, 3]), 0, 2),
    mentions: ['axis 2', 'rank 2'],
  },
  { op: 'slice', name: 'a zero step', run: (h) => v.slice(h.t([4]), 0, 0, 4, 0), mentions: ['step', '0'] },
  { op: 'slice', name: 'an axis out of range', run: (h) => v.slice(h.t([4]), 3), mentions: ['axis 3'] },
  {
    op: 'narrow',
    name: 'a length past the end',
    run: (h) => v.narrow(h.t([4, 3]), 1, 2, 2),
    mentions: ['[4, 3]', 'size 3'],
  },
  {
    op: 'expand',
    name: 'a non-1 dim that differs',
    run: (h) => v.expand(h.t([2, 3]), [4, 3]),
    mentions: ['[2, 3]', '[4, 3]'],
  },
  { op: 'expand', name: 'fewer dims', run: (h) => v.expand(h.t([2, 3]), [3]), mentions: ['[2, 3]', '[3]'] },
  {
    op: 'cast',
    name: 'an unknown dtype',
    run: (h) => cast(h.t([2]), 'int8' as DType),
    mentions: ["'int8'", '[2]'],
  },
  { op: 'copy', name: 'a non-tensor', run: () => clone(5 as unknown as Tensor), mentions: ['Tensor'] },
];

export const viewsGroup: CaseGroup = { cases, errors };
