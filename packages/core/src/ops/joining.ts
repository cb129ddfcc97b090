import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { defineOp } from '../op.js';
import { axisArg, type DimOption } from '../options.js';
import { normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { resolveSlice, type SliceAttrs, slice, unsqueeze } from './views.js';

/**
 * Joining and splitting along an axis. concat and sliceScatter are kernels; stack, split and
 * chunk are spelled with views so that autograd only needs rules for concat and slice.
 */

export const concatDef = defineOp<{ axis: number }>({
  name: 'concat',
  differentiable: true,
  infer: (xs, { axis }) => {
    if (xs.length === 0) fail('concat', 'needs at least one tensor');
    const first = xs[0];
    if (first.rank === 0) fail('concat', 'cannot concatenate 0-d tensors; use stack to add an axis');
    const ax = normalizeAxis('concat', axis, first.rank);
    let total = 0;
    xs.forEach((t, i) => {
      if (t.dtype !== first.dtype) {
        fail(
          'concat',
          `tensor ${i} is ${t.dtype} but tensor 0 is ${first.dtype}; cast them to one dtype first`,
        );
      }
      const same = t.rank === first.rank && t.shape.every((d, k) => k === ax || d === first.shape[k]);
      if (!same) {
        fail(
          'concat',
          `tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; ` +
            `all dims except axis ${ax} must match`,
        );
      }
      total += t.shape[ax];
    });
    const shape = [...first.shape];
    shape[ax] = total;
    return [{ shape, dtype: first.dtype }];
  },
});

/** A copy of base with src written over base[start:end:step] along axis (the adjoint of slice). */
export const sliceScatterDef = defineOp<SliceAttrs>({
  name: 'sliceScatter',
  differentiable: true,
  infer: ([base, src], a) => {
    if (src.dtype !== base.dtype)
      fail('sliceScatter', `src is ${src.dtype} but base is ${base.dtype}; cast src first`);
    const shape = [...base.shape];
    shape[a.axis] = Math.ceil((a.end - a.start) / a.step);
    if (!shapesEqual(shape, src.shape)) {
      fail(
        'sliceScatter',
        `src has shape ${fmtShape(src.shape)} but the slice [${a.start}:${a.end}:${a.step}] along axis ` +
          `${a.axis} of base ${fmtShape(base.shape)} has shape ${fmtShape(shape)}`,
      );
    }
    return [{ shape: [...base.shape], dtype: base.dtype }];
  },
});

// ---- functions ----

/** Joins tensors along an existing axis (torch.cat). */
export function concat(tensors: readonly Tensor[], axis: number | DimOption = 0): Tensor {
  if (tensors.length === 0) fail('concat', 'needs at least one tensor');
  const ax = normalizeAxis('concat', axisArg('concat', axis, 0)!, tensors[0].rank);
  return dispatch(concatDef, tensors, { axis: ax })[0];
}

/** Joins equally shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis: number | DimOption = 0): Tensor {
  if (tensors.length === 0) fail('stack', 'needs at least one tensor');
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      fail('stack', `tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}`);
    }
  });
  const ax = normalizeAxis('stack', axisArg('stack', axis, 0)!, first.rank + 1);
  const views: Tensor[] = [];
  try {
    for (const t of tensors) views.push(unsqueeze(t, ax));
    return concat(views, ax);
  } finally {
    for (const v of views) v.dispose();
  }
}

/**
 * Slice views along axis: pieces of `size` (the last may be shorter), or pieces of the given
 * sizes, which must add up to the axis length (torch.split).
 */
export function split(
  x: Tensor,
  sizeOrSections: number | readonly number[],
  axis: number | DimOption = 0,
): Tensor[] {
  if (x.rank === 0) fail('split', 'cannot split a 0-d tensor');
  const ax = normalizeAxis('split', axisArg('split', axis, 0)!, x.rank);
  const n = x.shape[ax];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0)) {
      fail('split', `split size must be a positive integer, got ${s} for shape ${fmtShape(x.shape)}`);
    }
    sizes = [];
    for (let start = 0; start < n; start += s) sizes.push(Math.min(s, n - start));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...sizeOrSections];
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sum !== n) {
      fail(
        'split',
        `sections [${sizes.join(', ')}] must be non-negative integers adding up to ${n}, ` +
          `the size of axis ${ax} of ${fmtShape(x.shape)}`,
      );
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  try {
    for (const s of sizes) {
      out.push(slice(x, ax, start, start + s));
      start += s;
    }
  } catch (e) {
    for (const t of out) t.dispose();
    throw e;
  }
  return out;
}

/**
 * At most `chunks` slice views of equal size ceil(n / chunks), the last one shorter; fewer
 * when the axis is too short to fill them all (torch.chunk).
 */
export function chunk(x: Tensor, chunks: number, axis: number | DimOption = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) {
    fail('chunk', `chunks must be a positive integer, got ${chunks} for shape ${fmtShape(x.shape)}`);
  }
  if (x.rank === 0) fail('chunk', 'cannot chunk a 0-d tensor');
  const ax = normalizeAxis('chunk', axisArg('chunk', axis, 0)!, x.rank);
  const n = x.shape[ax];
  // An empty axis still yields `chunks` empty pieces, as in PyTorch.
  if (n === 0) return split(x, new Array<number>(chunks).fill(0), ax);
  return split(x, Math.ceil(n / chunks), ax);
}

/** A copy of base with src written into base[start:end:step] along axis (torch.slice_scatter). */
export function sliceScatter(
  base: Tensor,
  src: Tensor,
  axis: number,
  start?: number,
  end?: number,
  step = 1,
): Tensor {
  return dispatch(
    sliceScatterDef,
    [base, src],
    resolveSlice('sliceScatter', base, axis, start, end, step),
  )[0];
}
