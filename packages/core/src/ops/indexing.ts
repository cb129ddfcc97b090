import { dispatch } from '../dispatch.js';
import { type DType, type DTypeName, isDType, resolveDType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { type AxisAttrs, defineOp } from '../op.js';
import { checkOptions } from '../options.js';
import { broadcastShapes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { expand } from './views.js';

/**
 * Ops that read or write through an i32 index tensor. Index values are only known to the
 * kernel, so kernels check their range before writing anything; inference checks the rest.
 */

function checkIndexDType(op: string, index: Tensor): void {
  if (index.dtype !== 'i32') {
    fail(
      op,
      `index must be i32, got ${index.dtype} (shape ${fmtShape(index.shape)}); cast it with .cast('i32')`,
    );
  }
}

export const gatherDef = defineOp<AxisAttrs>({
  name: 'gather',
  differentiable: true,
  infer: ([x, index], { axis }) => {
    checkIndexDType('gather', index);
    if (x.rank === 0) fail('gather', 'cannot gather from a 0-d tensor');
    if (index.rank !== x.rank) {
      fail(
        'gather',
        `index ${fmtShape(index.shape)} must have the same rank as the input ${fmtShape(x.shape)}`,
      );
    }
    if (index.shape.some((d, k) => k !== axis && d > x.shape[k])) {
      fail(
        'gather',
        `index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} outside axis ${axis}`,
      );
    }
    return [{ shape: [...index.shape], dtype: x.dtype }];
  },
});

export const indexSelectDef = defineOp<AxisAttrs>({
  name: 'indexSelect',
  differentiable: true,
  infer: ([x, index], { axis }) => {
    checkIndexDType('indexSelect', index);
    if (x.rank === 0) fail('indexSelect', 'cannot select from a 0-d tensor');
    if (index.rank !== 1) fail('indexSelect', `index must be 1-D, got shape ${fmtShape(index.shape)}`);
    const shape = [...x.shape];
    shape[axis] = index.shape[0];
    return [{ shape, dtype: x.dtype }];
  },
});

export const scatterAddDef = defineOp<AxisAttrs>({
  name: 'scatterAdd',
  differentiable: true,
  infer: ([x, index, src], { axis }) => {
    checkIndexDType('scatterAdd', index);
    if (src.dtype !== x.dtype) fail('scatterAdd', `src is ${src.dtype} but the input is ${x.dtype}`);
    if (x.rank === 0) fail('scatterAdd', 'cannot scatter into a 0-d tensor');
    if (index.rank !== x.rank || src.rank !== x.rank) {
      fail(
        'scatterAdd',
        `input ${fmtShape(x.shape)}, index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} ` +
          'must have the same rank',
      );
    }
    const bad = index.shape.some((d, k) => d > src.shape[k] || (k !== axis && d > x.shape[k]));
    if (bad) {
      fail(
        'scatterAdd',
        `index ${fmtShape(index.shape)} must be no larger than src ${fmtShape(src.shape)} in every dim, ` +
          `and no larger than the input ${fmtShape(x.shape)} outside axis ${axis}`,
      );
    }
    return [{ shape: [...x.shape], dtype: x.dtype }];
  },
});

export interface OneHotAttrs {
  numClasses: number;
  dtype: DType;
}

export const oneHotDef = defineOp<OneHotAttrs>({
  name: 'oneHot',
  differentiable: false,
  infer: ([indices], { numClasses, dtype }) => {
    checkIndexDType('oneHot', indices);
    if (!Number.isInteger(numClasses) || numClasses < 0) {
      fail('oneHot', `numClasses must be a non-negative integer, got ${numClasses}`);
    }
    if (!isDType(dtype)) fail('oneHot', `unknown dtype '${String(dtype)}'`);
    return [{ shape: [...indices.shape, numClasses], dtype }];
  },
});

// ---- functions ----

/** out[i][j][k] = x[index[i][j][k]][j][k] for axis 0, and so on (torch.gather). */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const ax = normalizeAxis('gather', axis, x.rank);
  return dispatch(gatherDef, [x, index], { axis: ax })[0];
}

/**
 * numpy.take_along_axis: like gather, but x and index broadcast against each other outside
 * `axis`. Spelled as expand views and a gather.
 */
export function takeAlongAxis(x: Tensor, index: Tensor, axis: number): Tensor {
  if (index.rank !== x.rank) {
    fail(
      'takeAlongAxis',
      `index ${fmtShape(index.shape)} must have the same rank as the input ${fmtShape(x.shape)}`,
    );
  }
  const ax = normalizeAxis('takeAlongAxis', axis, x.rank);
  const outer = (s: readonly number[]) => s.map((d, k) => (k === ax ? 1 : d));
  const shape = broadcastShapes('takeAlongAxis', outer(x.shape), outer(index.shape));
  const withAxis = (n: number) => shape.map((d, k) => (k === ax ? n : d));
  let xe: Tensor | undefined;
  let ie: Tensor | undefined;
  try {
    xe = expand(x, withAxis(x.shape[ax]));
    ie = expand(index, withAxis(index.shape[ax]));
    return gather(xe, ax, ie);
  } finally {
    xe?.dispose();
    ie?.dispose();
  }
}

/** The slices x[index[i]] along axis, in index order (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const ax = normalizeAxis('indexSelect', axis, x.rank);
  return dispatch(indexSelectDef, [x, index], { axis: ax })[0];
}

/** A copy of x with src[i][j] added at [index[i][j]][j] for axis 0 (torch.scatter_add); repeats accumulate. */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const ax = normalizeAxis('scatterAdd', axis, x.rank);
  return dispatch(scatterAddDef, [x, index, src], { axis: ax })[0];
}

export interface OneHotOptions {
  dtype?: DTypeName;
}

/** i32 class indices → [...indices.shape, numClasses] with a 1 at each index. */
export function oneHot(indices: Tensor, numClasses: number, options: OneHotOptions = {}): Tensor {
  checkOptions('oneHot', options, ['dtype']);
  const dtype = resolveDType('oneHot', options.dtype ?? 'f32');
  return dispatch(oneHotDef, [indices], { numClasses, dtype })[0];
}
