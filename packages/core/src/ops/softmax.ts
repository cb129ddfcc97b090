import { dispatch } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import type { AxisAttrs } from '../op.js';
import { defineOp, type OpDef } from '../op.js';
import { axisArg, type DimOption } from '../options.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './copy.js';
import { div, exp, log, sub } from './elementwise.js';
import { max, sum } from './reduce.js';

/**
 * softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) and logSoftmax(x)ᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m)
 * along one axis, with m the row max so exp never overflows. Integer inputs compute in f32.
 */
function defineSoftmax(name: 'softmax' | 'logSoftmax', logOut: boolean): OpDef<AxisAttrs> {
  return defineOp<AxisAttrs>({
    name,
    differentiable: true,
    infer: ([x], { axis }) => {
      if (!Number.isInteger(axis) || axis < 0 || axis >= Math.max(x.rank, 1)) {
        fail(name, `axis ${axis} is out of range for shape ${fmtShape(x.shape)}`);
      }
      return [{ shape: [...x.shape], dtype: isFloat(x.dtype) ? x.dtype : 'f32' }];
    },
    decompose: ([input], { axis }) => {
      const x = isFloat(input.dtype) ? input : cast(input, 'f32');
      const ax = x.rank === 0 ? [] : [axis];
      if (x.size === 0) return [sub(x, 0)];
      const shifted = sub(x, max(x, ax, true));
      if (logOut) return [sub(shifted, log(sum(exp(shifted), ax, true)))];
      const e = exp(shifted);
      return [div(e, sum(e, ax, true))];
    },
  });
}

export const softmaxDef = defineSoftmax('softmax', false);
export const logSoftmaxDef = defineSoftmax('logSoftmax', true);

/** Softmax along an axis (default the last): `softmax(x, 1)` or `softmax(x, { dim: 1 })`. */
export function softmax(x: Tensor, axis: number | DimOption = -1): Tensor {
  const ax = axisArg('softmax', axis, -1) as number;
  return dispatch(softmaxDef, [x], { axis: normalizeAxis('softmax', ax, x.rank) })[0];
}

export function logSoftmax(x: Tensor, axis: number | DimOption = -1): Tensor {
  const ax = axisArg('logSoftmax', axis, -1) as number;
  return dispatch(logSoftmaxDef, [x], { axis: normalizeAxis('logSoftmax', ax, x.rank) })[0];
}
