import { copyToBackend, dispatch, tensorFromStorageArray } from '../dispatch.js';
import { DTYPE_ALIASES, DTYPES, type DType, type DTypeName, isDTypeName, resolveDType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { defineOp } from '../op.js';
import { checkOptions, isOptionsObject } from '../options.js';
import type { Tensor } from '../tensor.js';
import { cast, contiguous } from './copy.js';
import { view } from './views.js';

/** PyTorch's keyword form, `x.to({ device: 'webgpu', dtype: 'float16' })`. */
export interface ToOptions {
  device?: string;
  dtype?: DTypeName;
}

function toOptions(x: Tensor, o: ToOptions): { device: string; dtype: DType | undefined } {
  checkOptions('to', o, ['device', 'dtype']);
  const dtype =
    o.dtype === undefined ? undefined : resolveDType('to', o.dtype, `tensor ${fmtShape(x.shape)}`);
  return { device: o.device ?? x.device, dtype };
}

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
export function to(x: Tensor, target: string | ToOptions): Tensor {
  if (isOptionsObject(target)) {
    const { device, dtype } = toOptions(x, target);
    if (dtype === undefined) return to(x, device);
    if (device === x.device) return to(x, dtype);
    const moved = to(x, device);
    try {
      return to(moved, dtype);
    } finally {
      moved.dispose();
    }
  }
  if (typeof target !== 'string')
    fail('to', `expected a device, a dtype or { device, dtype }, got ${typeof target}`);
  if (isDTypeName(target)) {
    const dtype = resolveDType('to', target);
    return x.dtype === dtype ? view(x, x.shape) : cast(x, dtype);
  }
  if (!x.ctx.hasBackend(target)) {
    fail(
      'to',
      `'${target}' is neither a dtype (${DTYPES.join(', ')} or ${Object.keys(DTYPE_ALIASES).join(', ')}) ` +
        `nor a registered device (${x.ctx.devices().join(', ')})`,
    );
  }
  if (target === x.device) return view(x, x.shape);
  x.ctx.checkAllocation('to', target, x.shape, x.dtype);
  return dispatch(toDeviceDef, [x], { device: target })[0];
}

/**
 * Like `to`, but awaits the source backend's asynchronous readback when it has no synchronous one:
 * the way from a GPU to the CPU. (A plain data transfer: autograd does not record it.)
 */
export async function toAsync(x: Tensor, target: string | ToOptions): Promise<Tensor> {
  if (isOptionsObject(target)) {
    const { device, dtype } = toOptions(x, target);
    const moved = await toAsync(x, device);
    if (dtype === undefined) return moved;
    try {
      return to(moved, dtype);
    } finally {
      moved.dispose();
    }
  }
  if (typeof target !== 'string')
    fail('toAsync', `expected a device, a dtype or { device, dtype }, got ${typeof target}`);
  const src = x.storageFor('toAsync');
  if (isDTypeName(target) || src.backend.readSync) return to(x, target);
  x.ctx.backend(target, 'toAsync');
  if (target === x.device) return x.alias();
  x.ctx.checkAllocation('toAsync', target, x.shape, x.dtype);
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
