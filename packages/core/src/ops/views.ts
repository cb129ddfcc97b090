import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { defineOp } from '../op.js';
import {
  broadcastShapes,
  contiguousStrides,
  normalizeAxes,
  normalizeAxis,
  numel,
  type ShapeArgs,
  shapeFromArgs,
} from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';

/**
 * Views share their input's storage: only shape, strides and offset change. Four ops carry
 * every view (reshape, permute, slice, expand); the rest are spelled in terms of them.
 */

/** Resolves one −1 in a target shape and checks the element count. */
export function inferReshape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const n = numel(from);
  const free = to.filter((d) => d === -1).length;
  if (free > 1) fail(op, `only one dimension may be -1, got ${fmtShape(to)}`);
  for (const d of to) {
    if (!Number.isInteger(d) || d < -1) fail(op, `invalid target shape ${fmtShape(to)}`);
  }
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = to.map((d) => {
    if (d !== -1) return d;
    if (known === 0) fail(op, `cannot infer -1 in ${fmtShape(to)} for ${n} elements`);
    return n / known;
  });
  if (!out.every(Number.isInteger) || numel(out) !== n) {
    fail(op, `cannot reshape a tensor of shape ${fmtShape(from)} (${n} elements) to ${fmtShape(to)}`);
  }
  return out;
}

/**
 * Strides that read `shape`'s elements as `to` without a copy, or null when the layout does
 * not allow it (each group of merged dims must be contiguous with respect to itself).
 */
export function viewStrides(
  shape: readonly number[],
  strides: readonly number[],
  to: readonly number[],
): number[] | null {
  if (numel(shape) === 0) return contiguousStrides(to);
  const dims = shape.map((d, i) => [d, strides[i]]).filter(([d]) => d !== 1);
  const out = new Array<number>(to.length).fill(0);
  let i = 0; // index into dims
  let j = 0; // index into to
  while (j < to.length) {
    if (to[j] === 1) {
      out[j] = j + 1 < to.length ? 0 : 1;
      j++;
      continue;
    }
    if (i >= dims.length) return null;
    // Take source dims until their product matches the target dims' product.
    let srcProd = dims[i][0];
    let i2 = i;
    let tgtProd = to[j];
    let j2 = j;
    while (srcProd !== tgtProd) {
      if (srcProd < tgtProd) {
        i2++;
        if (i2 >= dims.length) return null;
        srcProd *= dims[i2][0];
      } else {
        j2++;
        if (j2 >= to.length) return null;
        tgtProd *= to[j2];
      }
    }
    for (let k = i; k < i2; k++) if (dims[k][1] !== dims[k + 1][1] * dims[k + 1][0]) return null;
    let stride = dims[i2][1];
    for (let k = j2; k >= j; k--) {
      out[k] = stride;
      stride *= to[k];
    }
    i = i2 + 1;
    j = j2 + 1;
  }
  return i === dims.length ? out : null;
}

export const reshapeDef = defineOp<{ shape: number[] }>({
  name: 'reshape',
  differentiable: true,
  infer: ([x], { shape }) => {
    const out = inferReshape('reshape', x.shape, shape);
    if (!viewStrides(x.shape, x.strides, out)) {
      fail(
        'reshape',
        `a view of ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} as ${fmtShape(out)} needs a copy`,
      );
    }
    return [{ shape: out, dtype: x.dtype }];
  },
  view: (x, { shape }) => {
    const out = inferReshape('reshape', x.shape, shape);
    return { shape: out, strides: viewStrides(x.shape, x.strides, out)!, offset: x.offset };
  },
});

export const permuteDef = defineOp<{ axes: number[] }>({
  name: 'permute',
  differentiable: true,
  infer: ([x], { axes }) => {
    if (axes.length !== x.rank)
      fail('permute', `expected ${x.rank} axes for shape ${fmtShape(x.shape)}, got [${axes.join(', ')}]`);
    const norm = normalizeAxes('permute', axes, x.rank);
    if (norm.length !== x.rank) fail('permute', `axes [${axes.join(', ')}] are not a permutation`);
    return [{ shape: axes.map((a) => x.shape[normalizeAxis('permute', a, x.rank)]), dtype: x.dtype }];
  },
  view: (x, { axes }) => {
    const ax = axes.map((a) => normalizeAxis('permute', a, x.rank));
    return { shape: ax.map((a) => x.shape[a]), strides: ax.map((a) => x.strides[a]), offset: x.offset };
  },
});

export interface SliceAttrs {
  axis: number;
  start: number;
  end: number;
  step: number;
}

/** Clamps Python-style slice bounds to an axis of length n. */
export function resolveSlice(
  op: string,
  x: Tensor,
  axis: number,
  start?: number,
  end?: number,
  step = 1,
): SliceAttrs {
  const ax = normalizeAxis(op, axis, x.rank);
  if (x.rank === 0) fail(op, 'cannot slice a 0-d tensor');
  if (!Number.isInteger(step) || step <= 0) fail(op, `step must be a positive integer, got ${step}`);
  const n = x.shape[ax];
  const norm = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v)) fail(op, `slice bounds must be integers, got ${v}`);
    return Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  };
  const s = norm(start, 0);
  return { axis: ax, start: s, end: Math.max(s, norm(end, n)), step };
}

export const sliceDef = defineOp<SliceAttrs>({
  name: 'slice',
  differentiable: true,
  infer: ([x], a) => {
    const shape = [...x.shape];
    shape[a.axis] = Math.ceil((a.end - a.start) / a.step);
    return [{ shape, dtype: x.dtype }];
  },
  view: (x, a) => {
    const shape = [...x.shape];
    const strides = [...x.strides];
    shape[a.axis] = Math.ceil((a.end - a.start) / a.step);
    strides[a.axis] = x.strides[a.axis] * a.step;
    return { shape, strides, offset: x.offset + a.start * x.strides[a.axis] };
  },
});

export const expandDef = defineOp<{ shape: number[] }>({
  name: 'expand',
  differentiable: true,
  infer: ([x], { shape }) => {
    if (shape.length < x.rank)
      fail('expand', `cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
    const lead = shape.length - x.rank;
    const out = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
    const b = broadcastShapes('expand', x.shape, out);
    if (b.some((d, i) => d !== out[i]))
      fail('expand', `cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    return [{ shape: out, dtype: x.dtype }];
  },
  view: (x, { shape }) => {
    const lead = shape.length - x.rank;
    const out = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
    const strides = out.map((d, i) =>
      i < lead || (x.shape[i - lead] === 1 && d !== 1) ? 0 : x.strides[i - lead],
    );
    return { shape: out, strides, offset: x.offset };
  },
});

// ---- functions ----

/** A view when the strides allow it, else a copy (PyTorch's reshape). */
export function reshape<T extends Tensor>(x: T, ...shape: ShapeArgs): T {
  const target = inferReshape('reshape', x.shape, shapeFromArgs('reshape', shape));
  const src = viewStrides(x.shape, x.strides, target) ? x : contiguous(x);
  try {
    return dispatch(reshapeDef, [src], { shape: target })[0] as T;
  } finally {
    if (src !== x) src.dispose();
  }
}

/** Always a view; throws when the strides do not allow one. */
export function view<T extends Tensor>(x: T, ...shape: ShapeArgs): T {
  return dispatch(reshapeDef, [x], { shape: shapeFromArgs('view', shape) })[0] as T;
}

export function flatten<T extends Tensor>(x: T, startAxis = 0, endAxis = -1): T {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startAxis, x.rank);
  const e = normalizeAxis('flatten', endAxis, x.rank);
  if (s > e)
    fail('flatten', `startAxis ${startAxis} comes after endAxis ${endAxis} for shape ${fmtShape(x.shape)}`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function squeeze<T extends Tensor>(x: T, axes?: number | readonly number[]): T {
  const drop =
    axes === undefined
      ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : normalizeAxes('squeeze', axes, x.rank).filter((a) => x.shape[a] === 1);
  return view(
    x,
    x.shape.filter((_, i) => !drop.includes(i)),
  );
}

export function unsqueeze<T extends Tensor>(x: T, axis: number): T {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return view(x, shape);
}

export function permute<T extends Tensor>(x: T, ...axes: ShapeArgs): T {
  return dispatch(permuteDef, [x], { axes: shapeFromArgs('permute', axes, 'axes') })[0] as T;
}

export function transpose<T extends Tensor>(x: T, axis0 = -2, axis1 = -1): T {
  // Like PyTorch, a tensor of rank < 2 is its own transpose (still a recorded view).
  if (x.rank < 2 && axis0 === -2 && axis1 === -1) return view(x, x.shape);
  const a = normalizeAxis('transpose', axis0, x.rank);
  const b = normalizeAxis('transpose', axis1, x.rank);
  const axes = Array.from({ length: x.rank }, (_, i) => i);
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

export function slice<T extends Tensor>(x: T, axis: number, start?: number, end?: number, step = 1): T {
  return dispatch(sliceDef, [x], resolveSlice('slice', x, axis, start, end, step))[0] as T;
}

export function narrow<T extends Tensor>(x: T, axis: number, start: number, length: number): T {
  const ax = normalizeAxis('narrow', axis, x.rank);
  const n = x.shape[ax];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > n) {
    fail(
      'narrow',
      `start ${start} and length ${length} do not fit axis ${axis} of size ${n} (shape ${fmtShape(x.shape)})`,
    );
  }
  return slice(x, ax, s, s + length, 1);
}

/** A broadcast view: size-1 dims repeat with stride 0; -1 keeps a dim. */
export function expand<T extends Tensor>(x: T, ...shape: ShapeArgs): T {
  return dispatch(expandDef, [x], { shape: shapeFromArgs('expand', shape) })[0] as T;
}
