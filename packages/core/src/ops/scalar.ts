import { tensorFromStorageArray } from '../dispatch.js';
import { allocArray, type DType, encodeElement, type TypedArray } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/** Encodes JS numbers into dtype's storage format. */
export function encodeValues(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocArray(dtype, values.length);
  if (dtype === 'f32' || dtype === 'f64') out.set(values);
  else for (let i = 0; i < values.length; i++) out[i] = encodeElement(dtype, values[i]);
  return out;
}

/**
 * A 0-d tensor on the same device and context as `like`. Ops use it for scalar operands; it
 * needs no default context, so the ops do not depend on the creation functions.
 */
export function scalarTensor(like: Tensor, value: number, dtype: DType = like.dtype): Tensor {
  return tensorFromStorageArray(like.ctx, like.device, dtype, [], encodeValues(dtype, [value]));
}
