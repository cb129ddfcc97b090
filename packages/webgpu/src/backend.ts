import {
  type Backend,
  type CoreOpName,
  type DType,
  isCoreOpName,
  type OpDef,
  type Tensor,
  TesseraError,
  type TypedArray,
} from '@tessera/core';
import { BufferPool, type PoolStats } from './buffer-pool.js';
import { allKernels } from './kernels/index.js';
import type { GpuBuffer, GpuInput, GpuKernel, GpuOutput, KernelHost, Launch } from './kernels/types.js';
import { GPU_DTYPES, type GpuDType, gpuBufferBytes, isGpuDType } from './wgsl/dtype.js';

/** Params slots per batch: each dispatch gets one 256-byte slot (the storage offset alignment). */
const SLOT_WORDS = 64;
const MAX_BATCH = 256;
/** Uploaded i32 tensors up to this many elements keep a host copy for index validation. */
const HOST_SHADOW_MAX = 1 << 16;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** 'software' for CPU rasterizers (lavapipe/llvmpipe, SwiftShader, WARP). */
  adapterClass: 'software' | 'gpu';
  /** The smallest subgroup the adapter runs, where it reports one. */
  subgroupMinSize?: number;
}

export interface WebGPUMemory extends PoolStats {
  /** Compute pipelines compiled so far. */
  pipelines: number;
}

const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (GPUBufferUsage is not global in Node)
const MAP_READ = 0x1;
const COPY_DST = 0x8;
const UNIFORM_STORAGE = 0x80 | 0x8;

/**
 * The WebGPU backend: pooled storage buffers, WGSL kernels, and one open command encoder that
 * collects dispatches until something must be read (or a batch fills), then submits them at once.
 */
export class WebGPUBackend implements Backend, KernelHost {
  readonly device = 'webgpu';
  readonly adapterInfo: AdapterSummary;
  readonly adapterClass: 'software' | 'gpu';
  readonly limits: GPUSupportedLimits;
  readonly subgroupSize: number | undefined;
  /** dtypes with storage and kernels here: f16 only where the device has the `shader-f16` feature. */
  readonly dtypes: readonly GpuDType[];
  /** Kernel shape overrides for tuning; see KernelHost. */
  tuning: KernelHost['tuning'] = undefined;
  private readonly kernels: ReadonlyMap<CoreOpName, GpuKernel>;
  private readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly params: Uint32Array;
  private readonly paramsBuffer: GPUBuffer;
  private slot = 0;
  private scratchBuffers: GpuBuffer[] = [];
  private lostMessage: string | null = null;
  private gpuError: string | undefined;
  /** The first error an op's error scopes caught, with the op, until a read reports it. */
  private opError: { op: string; kind: string; message: string } | undefined;
  /** The op whose buffers and pipelines are being made, for the error scopes. */
  private currentOp = 'allocate';
  /** popErrorScope results not yet settled; a read waits for them before it reports. */
  private pendingScopes: Promise<void>[] = [];
  private readonly keepAlive: readonly unknown[];

  constructor(
    readonly gpuDevice: GPUDevice,
    info: AdapterSummary,
    options: { maxPooledBytes?: number; keepAlive?: readonly unknown[] } = {},
  ) {
    // Dawn in Node tears the instance down when its GPU object is collected, taking the device with it.
    this.keepAlive = options.keepAlive ?? [];
    this.adapterInfo = info;
    this.adapterClass = info.adapterClass;
    this.limits = gpuDevice.limits;
    this.subgroupSize = gpuDevice.features.has('subgroups') ? info.subgroupMinSize : undefined;
    this.dtypes = gpuDevice.features.has('shader-f16') ? [...GPU_DTYPES, 'f16'] : GPU_DTYPES;
    this.kernels = allKernels();
    // New buffers (not recycled ones) are made inside error scopes, in the name of the op that
    // needs them: out-of-memory and size errors become that op's errors.
    this.pool = new BufferPool(
      gpuDevice,
      STORAGE_USAGE,
      options.maxPooledBytes ?? 512 * 1024 * 1024,
      (create) => this.scoped(this.currentOp, create),
    );
    this.params = new Uint32Array(SLOT_WORDS * MAX_BATCH);
    this.paramsBuffer = gpuDevice.createBuffer({ size: this.params.byteLength, usage: UNIFORM_STORAGE });
    // Validation and shader errors surface asynchronously; the first is kept and thrown at the next read.
    gpuDevice.addEventListener('uncapturederror', (e) => {
      this.gpuError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    gpuDevice.lost.then((e) => {
      this.lostMessage = `the WebGPU device was lost (${e.reason}: ${e.message || 'no message'})`;
    });
  }

  /** Whether the device was lost (destroyed, driver reset); every call then throws. */
  get isLost(): boolean {
    return this.lostMessage !== null;
  }

  private checkAlive(op: string): void {
    if (this.lostMessage !== null) {
      throw new Error(`${op}: ${this.lostMessage}; call initWebGPU() again and recreate the tensors`);
    }
  }

  /** Whether tensors of this dtype can live on this device. */
  hasDType(dtype: DType): dtype is GpuDType {
    return isGpuDType(dtype) && this.dtypes.includes(dtype);
  }

  private checkDType(op: string, dtype: DType): GpuDType {
    if (!this.hasDType(dtype)) {
      const hint =
        dtype === 'f64'
          ? 'f64 is CPU-only'
          : dtype === 'bf16'
            ? 'bf16 is not supported on webgpu (WGSL has no bf16 type)'
            : dtype === 'f16'
              ? "f16 on webgpu needs the adapter feature 'shader-f16', which this adapter lacks"
              : `${dtype} is not supported on webgpu`;
      throw new TesseraError(
        op,
        `${hint}; cast the tensor to f32 (or keep it on 'cpu') before moving it to 'webgpu'`,
      );
    }
    return dtype;
  }

  // ---- memory ----

  /**
   * The default allocation limit: one buffer can be neither larger than `maxBufferSize` nor bound
   * whole to a kernel beyond `maxStorageBufferBindingSize`.
   */
  allocationLimit(): number {
    return Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize);
  }

  /** bool lives as u32 and f16 is padded to whole words here. */
  storageBytes(dtype: DType, size: number): number {
    return isGpuDType(dtype) ? gpuBufferBytes(dtype, size) : size * (dtype === 'f64' ? 8 : 4);
  }

  /**
   * Runs `fn` inside validation and out-of-memory error scopes: what Dawn reports there becomes an
   * error of `op`, raised by the next read (WebGPU reports errors asynchronously). Used where
   * errors arise and work is rare in a steady state (new buffers, new pipelines), so that
   * recycled buffers and cached pipelines cost nothing; a failing dispatch is reported by the
   * device's uncaptured-error handler as before.
   */
  private scoped<T>(op: string, fn: () => T): T {
    const dev = this.gpuDevice;
    dev.pushErrorScope('out-of-memory');
    dev.pushErrorScope('validation');
    try {
      return fn();
    } finally {
      const record = (kind: string) => (e: GPUError | null) => {
        if (e && this.opError === undefined) this.opError = { op, kind, message: e.message };
      };
      this.pendingScopes.push(
        dev.popErrorScope().then(record('validation')),
        dev.popErrorScope().then(record('out-of-memory')),
      );
    }
  }

  /** Runs `fn` with `op` as the op that new buffers and pipelines are made for. */
  private as<T>(op: string, fn: () => T): T {
    const outer = this.currentOp;
    this.currentOp = op;
    try {
      return fn();
    } finally {
      this.currentOp = outer;
    }
  }

  /** Throws the first op error the scopes caught (after they have all settled). */
  private async raiseOpError(): Promise<void> {
    while (this.pendingScopes.length > 0) {
      const pending = this.pendingScopes;
      this.pendingScopes = [];
      await Promise.all(pending);
    }
    const e = this.opError;
    if (e === undefined) return;
    this.opError = undefined;
    this.gpuError = undefined; // later failures caused by the same op
    throw new TesseraError(
      e.op,
      `WebGPU reported ${e.kind === 'out-of-memory' ? 'running out of memory' : 'a validation error'} in this op, so its results (and those computed from them) are invalid: ${e.message}`,
    );
  }

  allocate(dtype: DType, size: number, op = 'allocate'): GpuBuffer {
    this.checkAlive(op);
    const d = this.checkDType(op, dtype);
    return this.as(op, () => this.pool.acquire(gpuBufferBytes(d, size)));
  }

  upload(dtype: DType, data: TypedArray): GpuBuffer {
    this.checkAlive('upload');
    const d = this.checkDType('upload', dtype);
    const bytes = gpuBufferBytes(d, data.length);
    const buf = this.as('upload', () => this.pool.acquire(bytes));
    if (data.length > 0) {
      // bool arrives as one byte per element and lives as u32; f16 bit patterns are padded to 4 bytes.
      let words: ArrayBufferView = data;
      if (d === 'bool') words = Uint32Array.from(data as Uint8Array);
      else if (data.byteLength !== bytes) {
        const padded = new Uint16Array(bytes / 2);
        padded.set(data as Uint16Array);
        words = padded;
      }
      this.gpuDevice.queue.writeBuffer(buf.buffer, 0, words.buffer, words.byteOffset, words.byteLength);
    }
    buf.needsClear = false;
    if (d === 'i32' && data.length <= HOST_SHADOW_MAX) buf.host = (data as Int32Array).slice();
    return buf;
  }

  release(buffer: unknown): void {
    const b = buffer as GpuBuffer;
    this.pool.release(b, this.encoder !== null);
  }

  async read(buffer: unknown, dtype: DType, size: number): Promise<TypedArray> {
    const [out] = await this.readBuffers([{ buf: buffer as GpuBuffer, dtype, size }]);
    return out;
  }

  /** Reads several buffers with one submit and one map. */
  async readBuffers(items: readonly { buf: GpuBuffer; dtype: DType; size: number }[]): Promise<TypedArray[]> {
    this.checkAlive('read');
    let total = 0;
    const sizes = items.map((it) => gpuBufferBytes(this.checkDType('read', it.dtype), it.size));
    const offsets = sizes.map((bytes) => {
      const o = total;
      total += bytes;
      return o;
    });
    if (total === 0) return items.map((it) => allocOut(it.dtype, 0));
    const staging = this.gpuDevice.createBuffer({ size: total, usage: MAP_READ | COPY_DST });
    this.endPass();
    for (const [i, it] of items.entries()) {
      if (it.size === 0) continue;
      this.clearIfNeeded(it.buf);
      this.openEncoder().copyBufferToBuffer(it.buf.buffer, 0, staging, offsets[i], sizes[i]);
    }
    this.flush();
    try {
      await this.raiseOpError();
    } catch (e) {
      staging.destroy();
      throw e;
    }
    try {
      await staging.mapAsync(MAP_READ);
    } catch (e) {
      staging.destroy();
      this.checkAlive('read');
      throw new Error(`read: mapping the readback buffer failed: ${(e as Error).message}`);
    }
    if (this.gpuError !== undefined) {
      staging.unmap();
      staging.destroy();
      const msg = this.gpuError;
      this.gpuError = undefined;
      throw new Error(`read: an earlier WebGPU command failed, so results may be wrong:\n${msg}`);
    }
    const mapped = staging.getMappedRange();
    const res = items.map((it, i) => {
      const out = allocOut(it.dtype, it.size);
      if (it.dtype === 'f16') (out as Uint16Array).set(new Uint16Array(mapped, offsets[i], it.size));
      else if (it.dtype === 'bool') (out as Uint8Array).set(new Uint32Array(mapped, offsets[i], it.size));
      else new Uint32Array(out.buffer).set(new Uint32Array(mapped, offsets[i], it.size));
      return out;
    });
    staging.unmap();
    staging.destroy();
    return res;
  }

  /** Live, peak and pooled GPU bytes (4 bytes per element, 2 for f16, in size classes). */
  memory(): WebGPUMemory {
    return { ...this.pool.stats(), pipelines: this.pipelines.size };
  }

  resetPeak(): void {
    this.pool.resetPeak();
  }

  /** Frees idle pooled buffers. */
  trim(): void {
    this.flush();
    this.pool.trim();
  }

  // ---- kernels ----

  supports(def: OpDef, inputs: readonly Tensor[]): boolean {
    return this.kernelFor(def) !== undefined && inputs.every((t) => this.hasDType(t.dtype));
  }

  private kernelFor(def: OpDef): GpuKernel | undefined {
    const own = def.kernels?.webgpu as GpuKernel | undefined;
    return own ?? (isCoreOpName(def.name) ? this.kernels.get(def.name) : undefined);
  }

  kernelNames(): readonly CoreOpName[] {
    return [...this.kernels.keys()];
  }

  execute(def: OpDef, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: unknown): void {
    this.checkAlive(def.name);
    const kernel = this.kernelFor(def);
    if (!kernel) throw new Error(`${def.name}: no webgpu kernel`);
    const ins: GpuInput[] = inputs.map((t) => {
      const buf = t.storageFor(def.name).buffer as GpuBuffer;
      this.clearIfNeeded(buf);
      return {
        buf,
        shape: t.shape,
        strides: t.strides,
        offset: t.offset,
        dtype: this.checkDType(def.name, t.dtype),
      };
    });
    const outs: GpuOutput[] = outputs.map((t) => ({
      buf: t.storageFor(def.name).buffer as GpuBuffer,
      shape: t.shape,
      dtype: this.checkDType(def.name, t.dtype),
    }));
    // Kernels write every output element, so a recycled output needs no clearing; an empty output
    // has nothing to write.
    for (const o of outs) this.clearIfNeeded(o.buf);
    this.as(def.name, () => kernel(this, ins, outs, attrs));
  }

  private clearIfNeeded(buf: GpuBuffer): void {
    if (!buf.needsClear) return;
    buf.needsClear = false;
    this.endPass();
    this.openEncoder().clearBuffer(buf.buffer, 0, buf.capacity);
  }

  // ---- KernelHost ----

  private openEncoder(): GPUCommandEncoder {
    this.encoder ??= this.gpuDevice.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private pipeline(wgsl: string, op: string): GPUComputePipeline {
    let p = this.pipelines.get(wgsl);
    if (!p) {
      p = this.scoped(op, () =>
        this.gpuDevice.createComputePipeline({
          layout: 'auto',
          compute: {
            module: this.gpuDevice.createShaderModule({ code: wgsl, label: op }),
            entryPoint: 'main',
          },
          label: op,
        }),
      );
      this.pipelines.set(wgsl, p);
    }
    return p;
  }

  launch(l: Launch): void {
    this.checkAlive(l.op);
    if (l.params.length > SLOT_WORDS)
      throw new Error(`${l.op}: ${l.params.length} params exceed ${SLOT_WORDS}`);
    if (this.slot === MAX_BATCH) this.flush();
    const pipeline = this.pipeline(l.wgsl, l.op);
    const slot = this.slot++;
    this.params.set(l.params, slot * SLOT_WORDS);
    const entries: GPUBindGroupEntry[] = [
      {
        binding: 0,
        resource: { buffer: this.paramsBuffer, offset: slot * SLOT_WORDS * 4, size: SLOT_WORDS * 4 },
      },
    ];
    for (const [i, b] of [...l.reads, ...l.writes].entries()) {
      entries.push({ binding: i + 1, resource: { buffer: b.buffer, offset: 0, size: b.capacity } });
    }
    const makeGroup = () =>
      this.gpuDevice.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    // A buffer past the binding limit fails validation here: name the op (the core allocation
    // limit keeps tensors below it; kernel scratch buffers and a raised limit may not be).
    const maxBinding = this.limits.maxStorageBufferBindingSize;
    const group = [...l.reads, ...l.writes].some((b) => b.capacity > maxBinding)
      ? this.scoped(l.op, makeGroup)
      : makeGroup();
    const encoder = this.openEncoder();
    this.pass ??= encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(l.groups[0], l.groups[1], l.groups[2]);
  }

  copy(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, bytes: number): void {
    this.checkAlive('copy');
    this.clearIfNeeded(src);
    this.endPass();
    this.openEncoder().copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
  }

  fill(buf: GpuBuffer, start: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.openEncoder().clearBuffer(buf.buffer, start, bytes);
  }

  scratch(bytes: number): GpuBuffer {
    const b = this.pool.acquire(bytes);
    this.scratchBuffers.push(b);
    return b;
  }

  /** Submits everything encoded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.slot > 0) {
      // Written on the queue timeline just before this submit, after earlier submits read their slots.
      this.gpuDevice.queue.writeBuffer(
        this.paramsBuffer,
        0,
        this.params.buffer,
        0,
        this.slot * SLOT_WORDS * 4,
      );
    }
    this.gpuDevice.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slot = 0;
    for (const b of this.scratchBuffers) this.pool.release(b, true);
    this.scratchBuffers = [];
    this.pool.onSubmit();
  }

  /** Resolves once all submitted work has finished. */
  async sync(): Promise<void> {
    this.flush();
    await this.gpuDevice.queue.onSubmittedWorkDone();
    await this.raiseOpError();
  }

  /** Releases the pool and the device. */
  destroy(): void {
    this.flush();
    this.pool.trim();
    this.gpuDevice.destroy();
  }
}

function allocOut(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(n);
    case 'i32':
      return new Int32Array(n);
    case 'f16':
      return new Uint16Array(n);
    default:
      return new Uint8Array(n);
  }
}
