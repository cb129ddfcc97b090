import { dispatch } from '../dispatch.js';
import { type DType, type DTypeName, type DTypeOf, isDType, resolveDType } from '../dtype.js';
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

/** A copy in another dtype, named short (`'f32'`) or as in PyTorch (`'float32'`). */
export function cast<E extends DTypeName>(x: Tensor, dtype: E): Tensor<DTypeOf<E>> {
  return dispatch(castDef, [x], {
    dtype: resolveDType('cast', dtype, `tensor ${fmtShape(x.shape)}`),
  })[0] as Tensor<DTypeOf<E>>;
}
