import { tensorFromStorageArray } from '../dispatch.js';
import { allocArray, type DType, encodeElement, type TypedArray } from '../dtype.js';
import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';

export const I32_MIN = -(2 ** 31);
export const I32_MAX = 2 ** 31 - 1;

/**
 * Throws, naming the op and the element, unless every value is an integer that i32 holds:
 * a creation never truncates, wraps or zeroes a value silently (use `.cast('i32')` to truncate).
 */
export function checkInt32Values(op: string, values: ArrayLike<number>, what = 'element'): void {
  if (values instanceof Int32Array) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isInteger(v) && v >= I32_MIN && v <= I32_MAX) continue;
    const at = values.length === 1 && what !== 'element' ? what : `${what} ${i}`;
    const why = Number.isNaN(v)
      ? 'NaN has no i32 value'
      : !Number.isInteger(v)
        ? "it is not an integer (cast a float tensor with .cast('i32') to truncate)"
        : `it is outside i32's range ${I32_MIN} … ${I32_MAX}`;
    fail(op, `${at} is ${v}, which an i32 tensor cannot hold: ${why}`);
  }
}

/** Encodes JS numbers into dtype's storage format. */
export function encodeValues(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocArray(dtype, values.length);
  if (dtype === 'f32' || dtype === 'f64') out.set(values);
  else for (let i = 0; i < values.length; i++) out[i] = encodeElement(dtype, values[i]);
  return out;
}

/**
 * A 0-d tensor on the same device and context as `like`. Ops use it for scalar operands; it
 * needs no default context, so the ops do not depend on the creation functions. With `op`, an
 * i32 scalar outside i32's range is an error of that op (PyTorch: "value cannot be converted").
 */
export function scalarTensor(like: Tensor, value: number, dtype: DType = like.dtype, op?: string): Tensor {
  if (op !== undefined && dtype === 'i32') checkInt32Values(op, [value], 'the scalar operand');
  return tensorFromStorageArray(like.ctx, like.device, dtype, [], encodeValues(dtype, [value]), true);
}
