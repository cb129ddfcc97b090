import type { Backend } from './backend.js';
import type { Context, OpCall } from './context.js';
import type { DType, TypedArray } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { describeNonTensor, isTensor } from './is-tensor.js';
import type { OpDef, OutputSpec } from './op.js';
import { contiguousStrides, numel } from './shape.js';
import { Storage } from './storage.js';
import type { Tensor } from './tensor.js';
import { runScoped } from './tidy.js';

/** Where a call with no tensor inputs runs. */
export interface Placement {
  ctx: Context;
  device: string;
}

function describe(inputs: readonly Tensor[]): string {
  return inputs.map((t) => `${fmtShape(t.shape)} ${t.dtype} on ${t.device}`).join(', ');
}

/**
 * The single entry point of every op: validate and infer (before any work), pass through the
 * context's middleware, then run the device's kernel, else the op's decomposition, else the
 * CPU kernel with copies in and out.
 */
export function dispatch<A>(
  def: OpDef<A>,
  inputs: readonly Tensor[],
  attrs: A,
  placement?: Placement,
): Tensor[] {
  inputs.forEach((t, i) => {
    if (!isTensor(t)) fail(def.name, `input ${i} is not a Tensor: it is ${describeNonTensor(t)}`);
    if (t.isDisposed) fail(def.name, `input ${i} (shape ${fmtShape(t.shape)}, ${t.dtype}) has been disposed`);
  });
  const ctx = inputs[0]?.ctx ?? placement?.ctx;
  if (!ctx) fail(def.name, 'an op without tensor inputs needs a placement');
  const device = inputs[0]?.device ?? placement!.device;
  if (inputs.some((t) => t.device !== device)) {
    fail(def.name, `inputs are on different devices (${describe(inputs)}); move them with .to(device)`);
  }
  if (inputs.some((t) => t.ctx !== ctx)) fail(def.name, 'inputs belong to different contexts');
  const scope = ctx.autocast;
  if (scope !== undefined && ctx.suspended === 0) {
    const policy = scope.policy(def as OpDef);
    const recast = policy === undefined ? undefined : scope.recast(inputs, policy);
    if (recast !== undefined) {
      try {
        return dispatch(def, recast.inputs, attrs, placement);
      } finally {
        for (const t of recast.made) t.dispose();
      }
    }
  }
  const outputs = def.infer(inputs, attrs);
  // Views share their input's storage; every other op allocates its outputs (or its decomposition
  // does), so they are checked against the context's allocation limit before any work
  // (device transfers, which run on their own, check the target device themselves).
  if (!def.view && !def.run) for (const o of outputs) ctx.checkAllocation(def.name, device, o.shape, o.dtype);
  const call: OpCall = { def: def as OpDef, inputs, attrs, outputs };
  return ctx.runMiddleware(call, () => execute(ctx, device, call));
}

function execute(ctx: Context, device: string, call: OpCall): Tensor[] {
  const { def, inputs, attrs, outputs } = call;
  if (def.view) {
    const v = def.view(inputs[0], attrs);
    const src = inputs[0];
    return [ctx.newTensor(src.storageFor(def.name), v.shape, v.strides, v.offset, outputs[0].dtype)];
  }
  if (def.run) return def.run(inputs, attrs);
  const backend = ctx.backend(device, def.name);
  if (backend.supports(def, inputs)) return runKernel(ctx, backend, call);
  if (def.decompose) {
    ctx.warnOnce(`decompose:${device}:${def.name}`, `${def.name} on ${device} runs as its decomposition`);
    const decompose = def.decompose;
    return ctx.withoutMiddleware(() => runScoped(ctx, () => decompose(inputs, attrs)));
  }
  if (device !== 'cpu') {
    const cpu = ctx.backend('cpu', def.name);
    if (!backend.readSync) {
      fail(
        def.name,
        `no ${device} kernel for ${describe(inputs)}, and ${device} cannot be read synchronously for the CPU fallback`,
      );
    }
    ctx.warnOnce(`cpu:${device}:${def.name}`, `${def.name} on ${device} falls back to the CPU kernel`);
    return ctx.withoutMiddleware(() =>
      runScoped(ctx, () => {
        const moved = inputs.map((t) => copyToBackend(t, cpu));
        if (!cpu.supports(def, moved)) fail(def.name, `no kernel for ${describe(inputs)}`);
        const res = runKernel(ctx, cpu, { ...call, inputs: moved });
        return res.map((t) => copyToBackend(t, backend));
      }),
    );
  }
  fail(def.name, `no ${device} kernel for ${describe(inputs)}`);
}

function runKernel(ctx: Context, backend: Backend, call: OpCall): Tensor[] {
  const outs = call.outputs.map((spec) => emptyTensor(ctx, backend, spec, call.def.name));
  try {
    backend.execute(call.def, call.inputs, outs, call.attrs);
  } catch (e) {
    for (const t of outs) t.dispose();
    throw e;
  }
  return outs;
}

/** A fresh contiguous tensor of zeros on a backend (for the op named `op`, in its errors). */
export function emptyTensor(ctx: Context, backend: Backend, spec: OutputSpec, op?: string): Tensor {
  const size = numel(spec.shape);
  return wrapBuffer(ctx, backend, backend.allocate(spec.dtype, size, op), spec.dtype, spec.shape);
}

/**
 * A contiguous tensor over data already encoded in dtype's storage format. With `owned`, the
 * caller gives the array away (nothing else refers to it), so a backend that keeps host arrays
 * may use it as the storage instead of copying it.
 */
export function tensorFromStorageArray(
  ctx: Context,
  device: string,
  dtype: DType,
  shape: readonly number[],
  data: TypedArray,
  owned = false,
): Tensor {
  const backend = ctx.backend(device);
  const buffer = owned && backend.adopt ? backend.adopt(dtype, data) : backend.upload(dtype, data);
  return wrapBuffer(ctx, backend, buffer, dtype, shape);
}

function wrapBuffer(
  ctx: Context,
  backend: Backend,
  buffer: unknown,
  dtype: DType,
  shape: readonly number[],
): Tensor {
  const size = numel(shape);
  const storage = new Storage(backend, buffer, dtype, size, (bytes, by) =>
    ctx.untrackStorage(backend.device, bytes, by),
  );
  ctx.trackStorage(backend.device, storage.bytes);
  return ctx.newTensor(storage, [...shape], contiguousStrides(shape), 0, dtype);
}

/** Synchronous copy of a tensor's logical contents to another backend (contiguous result). */
export function copyToBackend(t: Tensor, target: Backend): Tensor {
  const src = t.storageFor('to');
  if (!src.backend.readSync) {
    fail(
      'to',
      `tensor ${fmtShape(t.shape)} on '${t.device}' reads asynchronously; use await t.data() and tensor(…)`,
    );
  }
  const raw = src.backend.readSync(src.buffer, src.dtype, src.size);
  const packed = gatherStrided(raw, t.shape, t.strides, t.offset);
  return tensorFromStorageArray(t.ctx, target.device, t.dtype, t.shape, packed);
}

/** Row-major copy of a strided view of `raw` (any element type). */
export function gatherStrided(
  raw: TypedArray,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): TypedArray {
  const n = numel(shape);
  const out = new (raw.constructor as new (n: number) => TypedArray)(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = raw[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
