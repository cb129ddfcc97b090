import type { BackwardOptions, Context } from './context.js';
import {
  bf16BitsToF32,
  type DataFor,
  type DType,
  type DTypeName,
  type DTypeOf,
  f16BitsToF32,
  isHalf,
  readElement,
  type TypedArray,
} from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { formatTensor, formatValues, type TensorHeader } from './format.js';
import { CORE_VERSION, isTensor, TENSOR } from './is-tensor.js';
import * as cv from './ops/conv.js';
import { cast, clone, contiguous } from './ops/copy.js';
import { type ToOptions, to, toAsync } from './ops/device.js';
import * as ew from './ops/elementwise.js';
import * as ix from './ops/indexing.js';
import * as jn from './ops/joining.js';
import * as la from './ops/linalg.js';
import * as pd from './ops/pad.js';
import * as pl from './ops/pool.js';
import * as ra from './ops/rearrange.js';
import * as rd from './ops/reduce.js';
import * as sm from './ops/softmax.js';
import * as vw from './ops/views.js';
import { checkOptions, type DimOption } from './options.js';
import type { Lease } from './reclaim.js';
import { contiguousStrides, isContiguous, numel, type ShapeArgs, shapeFromArgs } from './shape.js';
import type { Storage } from './storage.js';
import { version } from './version.js';

export type Scalar = number | boolean;
export type TensorLike = Tensor | Scalar;
export type NestedArray = number | boolean | NestedArray[];

/** Node's hook for `console.log` and `util.inspect` (a registered symbol: no import of node:util). */
const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * What the opaque `gradNode` slot may hold to hear that a handle was disposed (autograd uses it
 * to free graph nodes no tensor can reach any more). Called once per handle, after its storage
 * reference is dropped (`tensor.isDisposed` is already true).
 */
export interface DisposeListener {
  release(tensor: Tensor): void;
}

function isDisposeListener(v: unknown): v is DisposeListener {
  return typeof v === 'object' && v !== null && typeof (v as { release?: unknown }).release === 'function';
}

/**
 * A tensor is a handle: shape, strides and offset over a refcounted storage on one device.
 * Views share storage; `dispose()` drops this handle's reference. Ops are methods and free
 * functions alike; readback is async (`await t.data()`), `dataSync()` only on the CPU.
 */
export class Tensor<D extends DType = DType> {
  readonly id: number;
  readonly device: string;
  readonly size: number;
  private store: Storage | null;
  /** What the context's garbage-collection safety net keeps for this handle. */
  private readonly lease: Lease;
  /**
   * Leaves with requiresGrad get `.grad` from `backward()`. Set it at creation
   * (`tensor(…, { requiresGrad: true })`) or with `requiresGrad_()`; both ask the context's
   * gradient engine (`enableAutograd()` from @tessera/autograd).
   */
  requiresGrad = false;
  grad: Tensor | undefined = undefined;
  /**
   * Opaque slot for autograd's graph node. Core never interprets it, except that its owner may
   * ask to hear about dispose: if it holds a {@link DisposeListener}, `dispose()` calls its
   * `release(this)` once, after this handle's storage reference is dropped.
   */
  gradNode: unknown = undefined;
  /** Set by keep(): tidy() leaves it alive. */
  kept = false;
  /** Where the tensor was created, in debug mode. */
  creationSite: string | undefined = undefined;

  /** @internal Use the creation functions and ops; this wires a handle to a storage. */
  constructor(
    readonly ctx: Context,
    storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: D,
    scoped = true,
  ) {
    this.id = ctx.newId();
    this.device = storage.backend.device;
    this.size = numel(shape);
    this.store = storage;
    storage.retain();
    this.lease = ctx.trackTensor(this as Tensor, storage.share, scoped);
    this.creationSite = this.lease.site;
  }

  /** Lets modules that cannot import this class recognize its instances (see is-tensor.ts). */
  get [TENSOR](): true {
    return true;
  }

  /** The version of the core that made this tensor, under a key every copy of core shares (is-tensor.ts). */
  get [CORE_VERSION](): string {
    return version;
  }

  get rank(): number {
    return this.shape.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.store === null;
  }

  /** The storage, or a clear error if this handle was disposed. */
  storageFor(op: string): Storage {
    if (this.store === null)
      fail(op, `tensor of shape ${fmtShape(this.shape)} (${this.dtype}) has been disposed`);
    return this.store;
  }

  get storage(): Storage {
    return this.storageFor('tensor');
  }

  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /**
   * Drops this handle; the storage is freed when its last handle goes. Idempotent. A handle
   * that becomes unreachable undisposed is released later by the context's safety net
   * (counted in `memory().reclaimedTensors`); dispose() is the prompt, deterministic way.
   */
  dispose(): void {
    const s = this.store;
    if (s === null) return;
    this.store = null;
    this.ctx.untrackTensor(this as Tensor, this.lease);
    s.release();
    const slot = this.gradNode;
    if (isDisposeListener(slot)) slot.release(this as Tensor);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A second handle on the same storage and layout, outside any tidy scope (for saved tensors). */
  alias(): Tensor<D> {
    return new Tensor(
      this.ctx,
      this.storageFor('alias'),
      this.shape,
      this.strides,
      this.offset,
      this.dtype,
      false,
    );
  }

  /**
   * Rebinds this handle to src's values without a copy: this handle releases its storage and
   * shares src's (src stays valid, and other handles on the old storage keep the old values).
   * Shape, dtype and device must match. It exists so an optimizer can swap in a parameter's new
   * value while every holder of the parameter handle (a Module, an optimizer's list) sees it.
   * Autograd's saved tensors are separate handles, so recorded graphs keep the old values.
   */
  assign(src: Tensor): this {
    const own = this.storageFor('assign');
    src.storageFor('assign');
    if (
      src.dtype !== this.dtype ||
      src.device !== this.device ||
      src.shape.length !== this.shape.length ||
      src.shape.some((d, i) => d !== this.shape[i])
    ) {
      fail(
        'assign',
        `expected a ${this.dtype} tensor of shape ${fmtShape(this.shape)} on '${this.device}', got ${src.dtype} ${fmtShape(src.shape)} on '${src.device}'`,
      );
    }
    if (!this.isContiguous || this.offset !== 0 || own.size !== this.size) {
      fail('assign', `this handle (shape ${fmtShape(this.shape)}) must own its whole row-major storage`);
    }
    const compact = src.isContiguous && src.offset === 0 && src.storageFor('assign').size === src.size;
    const from = compact ? src : clone(src);
    const next = from.storageFor('assign');
    next.retain();
    this.store = next;
    this.lease.share = next.share;
    own.release();
    if (from !== src) from.dispose();
    return this;
  }

  // ---- readback ----

  /** Elements in row-major order; f16/bf16 are widened to f32. */
  async data(): Promise<DataFor<D>> {
    const s = this.storageFor('data');
    const flat = this.isContiguous && this.offset === 0 && this.size === s.size;
    const src = flat ? (this as Tensor) : contiguous(this);
    try {
      const st = src.storageFor('data');
      const raw = await st.backend.read(st.buffer, st.dtype, st.size);
      return widen(this.dtype, raw.slice(src.offset, src.offset + this.size)) as DataFor<D>;
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** Synchronous readback; only devices that allow it (the CPU). */
  dataSync(): DataFor<D> {
    const s = this.storageFor('dataSync');
    if (!s.backend.readSync) {
      fail(
        'dataSync',
        `tensor of shape ${fmtShape(this.shape)} lives on '${this.device}', which reads asynchronously; use await t.data()`,
      );
    }
    const src = this.isContiguous ? (this as Tensor) : contiguous(this);
    try {
      const st = src.storageFor('dataSync');
      const raw = st.backend.readSync!(st.buffer, st.dtype, st.size);
      return widen(this.dtype, raw.slice(src.offset, src.offset + this.size)) as DataFor<D>;
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** Nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype === 'bool');
  }

  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype === 'bool');
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1)
      fail('item', `expected a tensor with one element, got shape ${fmtShape(this.shape)}`);
    return (await this.data())[0];
  }

  itemSync(): number {
    if (this.size !== 1)
      fail('itemSync', `expected a tensor with one element, got shape ${fmtShape(this.shape)}`);
    return this.dataSync()[0];
  }

  /** Nested arrays of the values (booleans for bool tensors), like PyTorch's tolist(); CPU only. */
  tolist(): NestedArray {
    const s = this.storageFor('tolist');
    if (!s.backend.readSync) {
      fail(
        'tolist',
        `tensor of shape ${fmtShape(this.shape)} lives on '${this.device}', which reads asynchronously; use await t.array()`,
      );
    }
    return this.arraySync();
  }

  private header(): TensorHeader {
    return { shape: this.shape, dtype: this.dtype, device: this.device, requiresGrad: this.requiresGrad };
  }

  /**
   * `tensor([[1., 2.], [3., 4.]], shape=[2, 2], dtype=f32, device=cpu)`: the values as PyTorch
   * prints them (more than 1000 elements summarized to the first and last 3 per dim), then shape,
   * dtype and device. A device that reads asynchronously (WebGPU) cannot show values here: the
   * string says so, and `await t.print()` or `await t.toStringAsync()` reads them.
   */
  toString(): string {
    const s = this.store;
    if (s === null) return formatTensor('<disposed>', this.header());
    if (!s.backend.readSync) {
      return formatTensor(`<on ${this.device}: await t.print() or t.toStringAsync() to read>`, this.header());
    }
    const raw = s.backend.readSync(s.buffer, s.dtype, s.size);
    const at = (idx: number[]) => {
      let k = this.offset;
      for (let d = 0; d < idx.length; d++) k += idx[d] * this.strides[d];
      return readElement(this.dtype, raw, k);
    };
    return formatTensor(formatValues(this.shape, this.dtype, at), this.header());
  }

  /** `toString()` with the values on any device (awaits the readback). */
  async toStringAsync(): Promise<string> {
    if (this.isDisposed) return this.toString();
    const flat = await this.data();
    const strides = contiguousStrides(this.shape);
    const at = (idx: number[]) => flat[idx.reduce((k, i, d) => k + i * strides[d], 0)];
    return formatTensor(formatValues(this.shape, this.dtype, at), this.header());
  }

  /**
   * Logs the tensor with its values. On the CPU it logs before returning; on a device that reads
   * asynchronously it logs once the values arrive, so `await t.print()` there.
   */
  print(): Promise<void> {
    const s = this.store;
    if (s === null || s.backend.readSync) {
      console.log(this.toString());
      return Promise.resolve();
    }
    return this.toStringAsync().then((text) => console.log(text));
  }

  /** `console.log(t)` and `util.inspect(t)` in Node show `toString()`, not the handle's fields. */
  [INSPECT](): string {
    return this.toString();
  }

  // ---- gradients (through the context's gradient engine) ----

  /**
   * PyTorch's `loss.backward()`: accumulates d this / d leaf into `.grad` of every leaf that
   * requires grad. A tensor argument is the gradient of this one (`gradOutput`).
   */
  backward(gradOrOptions?: Tensor | BackwardOptions): void {
    const options = isTensor(gradOrOptions) ? { gradOutput: gradOrOptions } : (gradOrOptions ?? {});
    checkOptions('backward', options, ['gradOutput', 'retainGraph', 'createGraph']);
    this.ctx.requireGradientEngine('backward').backward(this as Tensor, options);
  }

  /** Marks this leaf as taking gradients (PyTorch's `requires_grad_()`); returns it. */
  requiresGrad_(flag = true): this {
    this.storageFor('requiresGrad_');
    this.ctx.requireGradientEngine('requiresGrad_').setRequiresGrad(this as Tensor, flag);
    return this;
  }

  /** A new handle on the same values with no gradient history. */
  detach(): Tensor<D> {
    const engine = this.ctx.gradientEngine;
    return (engine ? engine.detach(this as Tensor) : vw.view(this, this.shape)) as Tensor<D>;
  }

  // ---- copies, casts and devices ----
  contiguous(): Tensor<D> {
    return contiguous(this);
  }
  clone(): Tensor<D> {
    return clone(this);
  }
  cast<E extends DTypeName>(dtype: E): Tensor<DTypeOf<E>> {
    return cast(this, dtype);
  }
  /** Moves to another device (`'cpu'`, `'webgpu'`) or casts to a dtype (`'f32'`, `'float32'`, …). */
  to(target: string | ToOptions): Tensor {
    return to(this, target);
  }

  /** `to` that awaits an asynchronous readback (GPU → CPU); see ops/copy.ts. */
  toAsync(target: string | ToOptions): Promise<Tensor> {
    return toAsync(this, target);
  }

  // ---- views ----
  /** `reshape([4, 2])` or `reshape(4, 2)`; one dim may be -1. A view when the strides allow. */
  reshape(...shape: ShapeArgs): Tensor<D> {
    return vw.reshape(this, shapeFromArgs('reshape', shape));
  }
  /** `view([4, 2])` or `view(4, 2)`; always a view. */
  view(...shape: ShapeArgs): Tensor<D> {
    return vw.view(this, shapeFromArgs('view', shape));
  }
  flatten(startAxis = 0, endAxis = -1): Tensor<D> {
    return vw.flatten(this, startAxis, endAxis);
  }
  squeeze(axes?: number | readonly number[]): Tensor<D> {
    return vw.squeeze(this, axes);
  }
  unsqueeze(axis: number): Tensor<D> {
    return vw.unsqueeze(this, axis);
  }
  transpose(axis0 = -2, axis1 = -1): Tensor<D> {
    return vw.transpose(this, axis0, axis1);
  }
  /** `permute([1, 0])` or `permute(1, 0)`. */
  permute(...axes: ShapeArgs): Tensor<D> {
    return vw.permute(this, shapeFromArgs('permute', axes, 'axes'));
  }
  /**
   * The transpose of a matrix. For other ranks it reverses the dims, as PyTorch still does
   * (deprecated there for ranks other than 2: prefer `mT`, `transpose` or `permute`).
   */
  get T(): Tensor<D> {
    if (this.rank === 2) return vw.transpose(this, 0, 1);
    return vw.permute(
      this,
      this.shape.map((_, i) => this.rank - 1 - i),
    );
  }
  /** The last two dims swapped (a batch of matrices transposed); rank ≥ 2. */
  get mT(): Tensor<D> {
    if (this.rank < 2) fail('mT', `needs a tensor of rank 2 or more, got shape ${fmtShape(this.shape)}`);
    return vw.transpose(this, -2, -1);
  }
  /** Elements start, start+step, … before end along one axis (negative start/end count from the end). */
  slice(axis: number, start?: number, end?: number, step = 1): Tensor<D> {
    return vw.slice(this, axis, start, end, step);
  }
  narrow(axis: number, start: number, length: number): Tensor<D> {
    return vw.narrow(this, axis, start, length);
  }
  /** `expand([2, 3])` or `expand(2, 3)`; -1 keeps a dim. */
  expand(...shape: ShapeArgs): Tensor<D> {
    return vw.expand(this, shapeFromArgs('expand', shape));
  }
  broadcastTo(shape: readonly number[]): Tensor<D> {
    return vw.expand(this, shape);
  }

  // ---- elementwise: unary ----
  neg(): Tensor {
    return ew.neg(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  log1p(): Tensor {
    return ew.log1p(this);
  }
  expm1(): Tensor {
    return ew.expm1(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  gelu(options?: ew.GeluOptions): Tensor {
    return ew.gelu(this, options);
  }
  silu(): Tensor {
    return ew.silu(this);
  }
  softplus(options?: ew.SoftplusOptions): Tensor {
    return ew.softplus(this, options);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  floor(): Tensor {
    return ew.floor(this);
  }
  ceil(): Tensor {
    return ew.ceil(this);
  }
  round(): Tensor {
    return ew.round(this);
  }
  clamp(min?: number | ew.ClampOptions, max?: number): Tensor {
    return ew.clamp(this, min, max);
  }
  logicalNot(): Tensor<'bool'> {
    return ew.logicalNot(this);
  }

  // ---- elementwise: binary, with broadcasting ----
  add(other: TensorLike): Tensor {
    return ew.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ew.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ew.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ew.div(this, other);
  }
  pow(other: TensorLike): Tensor {
    return ew.pow(this, other);
  }
  maximum(other: TensorLike): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return ew.minimum(this, other);
  }
  eq(other: TensorLike): Tensor<'bool'> {
    return ew.eq(this, other);
  }
  ne(other: TensorLike): Tensor<'bool'> {
    return ew.ne(this, other);
  }
  lt(other: TensorLike): Tensor<'bool'> {
    return ew.lt(this, other);
  }
  le(other: TensorLike): Tensor<'bool'> {
    return ew.le(this, other);
  }
  gt(other: TensorLike): Tensor<'bool'> {
    return ew.gt(this, other);
  }
  ge(other: TensorLike): Tensor<'bool'> {
    return ew.ge(this, other);
  }
  logicalAnd(other: TensorLike): Tensor<'bool'> {
    return ew.logicalAnd(this, other);
  }
  logicalOr(other: TensorLike): Tensor<'bool'> {
    return ew.logicalOr(this, other);
  }
  /** PyTorch's `x.where(cond, other)`: x where cond holds, other elsewhere. */
  where(condition: Tensor, other: TensorLike): Tensor {
    return ew.where(condition, this, other);
  }

  // ---- reductions (ops/reduce.ts): `sum(1, true)` or `sum({ dim: 1, keepdim: true })` ----
  sum(axes?: rd.ReduceAxes, keepdim?: boolean): Tensor {
    return rd.sum(this, axes, keepdim);
  }
  mean(axes?: rd.ReduceAxes, keepdim?: boolean): Tensor {
    return rd.mean(this, axes, keepdim);
  }
  prod(axes?: rd.ReduceAxes, keepdim?: boolean): Tensor {
    return rd.prod(this, axes, keepdim);
  }
  /** Largest value over axes (PyTorch's amax). */
  max(axes?: rd.ReduceAxes, keepdim?: boolean): Tensor<D> {
    return rd.max(this, axes, keepdim) as Tensor<D>;
  }
  /** Smallest value over axes (PyTorch's amin). */
  min(axes?: rd.ReduceAxes, keepdim?: boolean): Tensor<D> {
    return rd.min(this, axes, keepdim) as Tensor<D>;
  }
  argmax(axis?: number | rd.ArgReduceOptions, keepdim?: boolean): Tensor<'i32'> {
    return rd.argmax(this, axis, keepdim);
  }
  argmin(axis?: number | rd.ArgReduceOptions, keepdim?: boolean): Tensor<'i32'> {
    return rd.argmin(this, axis, keepdim);
  }
  /** `var(1, { correction: 0 })` or `var({ dim: 1, correction: 0, keepdim: true })`. */
  var(axes?: number | readonly number[] | rd.VarOptions, options?: rd.VarOptions): Tensor {
    return rd.variance(this, axes, options);
  }
  std(axes?: number | readonly number[] | rd.VarOptions, options?: rd.VarOptions): Tensor {
    return rd.std(this, axes, options);
  }
  logsumexp(axes?: rd.ReduceAxes, keepdim?: boolean): Tensor {
    return rd.logsumexp(this, axes, keepdim);
  }
  /** `norm(1, 0)` or `norm({ p: 1, dim: 0, keepdim: true })`. */
  norm(p?: number | 'fro' | rd.NormOptions, axes?: number | readonly number[], keepdim?: boolean): Tensor {
    return rd.norm(this, p, axes, keepdim);
  }
  cumsum(axis: number | DimOption): Tensor {
    return rd.cumsum(this, axis);
  }
  softmax(axis: number | DimOption = -1): Tensor {
    return sm.softmax(this, axis);
  }
  logSoftmax(axis: number | DimOption = -1): Tensor {
    return sm.logSoftmax(this, axis);
  }

  // ---- linear algebra and convolution (ops/linalg.ts, ops/conv.ts) ----
  matmul(other: Tensor): Tensor {
    return la.matmul(this, other);
  }
  /** This tensor as conv2d input (NCHW) with the given OIHW weight. */
  conv2d(weight: Tensor, bias?: Tensor, options?: cv.Conv2dOptions): Tensor {
    return cv.conv2d(this, weight, bias, options);
  }
  maxPool2d(options: pl.MaxPool2dOptions): Tensor {
    return pl.maxPool2d(this, options);
  }
  avgPool2d(options: pl.AvgPool2dOptions): Tensor {
    return pl.avgPool2d(this, options);
  }

  // ---- indexing, joining and shape ops (ops/indexing.ts, joining.ts, pad.ts, rearrange.ts) ----
  /** Views of pieces along axis: of `size` each, or of the given sizes (torch.split). */
  split(sizeOrSections: number | readonly number[], axis: number | DimOption = 0): Tensor<D>[] {
    return jn.split(this, sizeOrSections, axis) as Tensor<D>[];
  }
  chunk(chunks: number, axis: number | DimOption = 0): Tensor<D>[] {
    return jn.chunk(this, chunks, axis) as Tensor<D>[];
  }
  /** A copy with src written into this[start:end:step] along axis (torch.slice_scatter). */
  sliceScatter(src: Tensor, axis: number, start?: number, end?: number, step = 1): Tensor<D> {
    return jn.sliceScatter(this, src, axis, start, end, step) as Tensor<D>;
  }
  gather(axis: number, index: Tensor): Tensor<D> {
    return ix.gather(this, axis, index) as Tensor<D>;
  }
  takeAlongAxis(index: Tensor, axis: number): Tensor<D> {
    return ix.takeAlongAxis(this, index, axis) as Tensor<D>;
  }
  indexSelect(axis: number, index: Tensor): Tensor<D> {
    return ix.indexSelect(this, axis, index) as Tensor<D>;
  }
  scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor<D> {
    return ix.scatterAdd(this, axis, index, src) as Tensor<D>;
  }
  oneHot(numClasses: number, options?: ix.OneHotOptions): Tensor {
    return ix.oneHot(this, numClasses, options);
  }
  /** Pads the trailing dims; `pads` in PyTorch order, last dim first. */
  pad(pads: readonly number[], options?: pd.PadOptions): Tensor<D> {
    return pd.pad(this, pads, options) as Tensor<D>;
  }
  tril(k = 0): Tensor<D> {
    return ra.tril(this, k) as Tensor<D>;
  }
  triu(k = 0): Tensor<D> {
    return ra.triu(this, k) as Tensor<D>;
  }
  /** `repeat([2, 1])` or `repeat(2, 1)`. */
  repeat(...reps: ShapeArgs): Tensor<D> {
    return ra.repeat(this, shapeFromArgs('repeat', reps, 'repetition counts')) as Tensor<D>;
  }
  tile(...reps: ShapeArgs): Tensor<D> {
    return ra.tile(this, shapeFromArgs('tile', reps, 'repetition counts')) as Tensor<D>;
  }
  flip(axes: number | readonly number[]): Tensor<D> {
    return ra.flip(this, axes) as Tensor<D>;
  }
}

/** Row-major contiguous strides helper re-exported for backends. */
export { contiguousStrides };

function widen(dtype: DType, raw: TypedArray): TypedArray {
  if (!isHalf(dtype)) return raw;
  const out = new Float32Array(raw.length);
  const dec = dtype === 'f16' ? f16BitsToF32 : bf16BitsToF32;
  for (let i = 0; i < raw.length; i++) out[i] = dec(raw[i]);
  return out;
}

function nest(data: ArrayLike<number>, shape: readonly number[], asBool: boolean): NestedArray {
  const conv = (x: number): number | boolean => (asBool ? x !== 0 : x);
  if (shape.length === 0) return conv(data[0]);
  const build = (axis: number, base: number): NestedArray[] => {
    const n = shape[axis];
    const stride = numel(shape.slice(axis + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = axis === shape.length - 1 ? conv(data[base + i]) : build(axis + 1, base + i * stride);
    }
    return out;
  };
  return build(0, 0);
}
