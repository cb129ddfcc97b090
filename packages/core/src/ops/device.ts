import { copyToBackend, dispatch, tensorFromStorageArray } from '../dispatch.js';
import { isDTypeName, resolveDType } from '../dtype.js';
import { defineOp } from '../op.js';
import type { Tensor } from '../tensor.js';
import { cast, contiguous } from './copy.js';
import { view } from './views.js';

export const toDeviceDef = defineOp<{ device: string }>({
  name: 'toDevice',
  differentiable: true,
  infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
  run: ([x], { device }) => [copyToBackend(x, x.ctx.backend(device, 'to'))],
});

/**
 * Moves to a device, or casts when given a dtype name. Returns a new handle either way; when
 * nothing changes it is a view (so autograd still sees the op).
 */
export function to(x: Tensor, target: string): Tensor {
  if (isDTypeName(target)) {
    const dtype = resolveDType('to', target);
    return x.dtype === dtype ? view(x, x.shape) : cast(x, dtype);
  }
  x.ctx.backend(target, 'to');
  if (target === x.device) return view(x, x.shape);
  return dispatch(toDeviceDef, [x], { device: target })[0];
}

/**
 * Like `to`, but awaits the source backend's asynchronous readback when it has no synchronous one:
 * the way from a GPU to the CPU. (A plain data transfer: autograd does not record it.)
 */
export async function toAsync(x: Tensor, target: string): Promise<Tensor> {
  const src = x.storageFor('toAsync');
  if (isDTypeName(target) || src.backend.readSync) return to(x, target);
  x.ctx.backend(target, 'toAsync');
  if (target === x.device) return x.alias();
  const packed = contiguous(x);
  try {
    const s = packed.storageFor('toAsync');
    const raw = await s.backend.read(s.buffer, s.dtype, s.size);
    const data = raw.slice(packed.offset, packed.offset + packed.size);
    return tensorFromStorageArray(x.ctx, target, x.dtype, x.shape, data);
  } finally {
    if (packed !== x) packed.dispose();
  }
}
