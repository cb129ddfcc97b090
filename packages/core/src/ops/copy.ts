import { dispatch } from '../dispatch.js';
import { type DType, isDType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';

/** A contiguous copy (the kernel every backend needs first: strided → row-major). */
export const copyDef = defineOp({
  name: 'copy',
  differentiable: true,
  infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
});

export const castDef = defineOp<{ dtype: DType }>({
  name: 'cast',
  differentiable: true,
  infer: ([x], { dtype }) => {
    if (!isDType(dtype)) fail('cast', `unknown dtype '${String(dtype)}' for tensor ${fmtShape(x.shape)}`);
    return [{ shape: [...x.shape], dtype }];
  },
});

/** The tensor itself when already row-major from offset 0, else a row-major copy. */
export function contiguous<T extends Tensor>(x: T): T {
  x.storageFor('contiguous');
  if (x.isContiguous) return x;
  x.ctx.checkAllocation('contiguous', x.device, x.shape, x.dtype);
  return dispatch(copyDef, [x], {})[0] as T;
}

/** Always a fresh copy, PyTorch's clone(). */
export function clone<T extends Tensor>(x: T): T {
  return dispatch(copyDef, [x], {})[0] as T;
}

export function cast<E extends DType>(x: Tensor, dtype: E): Tensor<E> {
  return dispatch(castDef, [x], { dtype })[0] as Tensor<E>;
}
