import type { Backend } from '../backend.js';
import {
  allocArray,
  type DType,
  decodeHalfArray,
  encodeHalfArray,
  isHalf,
  type TypedArray,
} from '../dtype.js';
import { fmtShape, TesseraError } from '../errors.js';
import type { OpDef } from '../op.js';
import { type CoreOpName, isCoreOpName, opTableMap } from '../op-names.js';
import type { Tensor } from '../tensor.js';
import type { FunctionBuilder } from '../wasm/emitter.js';
import type { WasmFeatures } from '../wasm/features.js';
import { type JobStats, WasmModule } from '../wasm/wasm-module.js';
import { convKernels } from './kernels/conv.js';
import { copyKernels } from './kernels/copy.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { indexingKernels } from './kernels/indexing.js';
import { joiningKernels } from './kernels/joining.js';
import { matmulKernels } from './kernels/matmul.js';
import { padKernels } from './kernels/pad.js';
import { poolKernels } from './kernels/pool.js';
import { rearrangeKernels } from './kernels/rearrange.js';
import { reduceKernels } from './kernels/reduce.js';
import { softmaxKernels } from './kernels/softmax.js';
import { availableCores, type CpuOptions, defaultCpuAllocationLimit } from './options.js';
import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput, NumArray } from './types.js';
import { coreKernelFunctions } from './wasm/kernels.js';

function decodeHalf(dtype: 'f16' | 'bf16', raw: Uint16Array): Float32Array {
  const out = new Float32Array(raw.length);
  decodeHalfArray(dtype, raw, out);
  return out;
}

/**
 * The reference backend: storage is a typed array, every core op has a kernel. f16 and bf16
 * are widened to f32 around each kernel, so kernels only see f32, f64, i32 and bool. f32 hot
 * paths (matmul, conv2d) run WebAssembly SIMD kernels on a thread pool unless `simd: false`;
 * the pool's workers start on first use and end with `dispose()`.
 */
export class CpuBackend implements Backend {
  readonly device = 'cpu';
  /** Storage is typed arrays: the garbage collector frees them with their last handle. */
  readonly collectsBuffers = true;
  /** Threads kernels may use (see CpuOptions). */
  readonly threads: number;
  /** Whether WebAssembly SIMD kernels were asked for (they also need platform support). */
  readonly simd: boolean;
  /** Whether relaxed SIMD may be used where the engine has it (CpuOptions.relaxedSimd). */
  readonly relaxedSimd: boolean;
  private readonly kernels: ReadonlyMap<CoreOpName, CpuKernel>;
  private ownModule: WasmModule | null | undefined;
  /** Other packages' kernel modules (CpuKernelEnv.wasmModule), by their functions. */
  private readonly modules = new Map<
    (features: WasmFeatures) => readonly FunctionBuilder[],
    WasmModule | null
  >();
  private readonly kernelEnv: CpuKernelEnv;

  constructor(options: CpuOptions = {}) {
    const threads = options.threads ?? availableCores();
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`CpuBackend: threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    this.simd = options.simd ?? true;
    this.relaxedSimd = options.relaxedSimd ?? true;
    const relaxed = { relaxedSimd: this.relaxedSimd };
    this.kernelEnv = {
      threads,
      wasmModule: (functions) => {
        if (functions === undefined) return this.wasm();
        let rt = this.modules.get(functions);
        if (rt === undefined) {
          rt = (this.simd && WasmModule.create(threads, functions, relaxed)) || null;
          this.modules.set(functions, rt);
        }
        return rt ?? undefined;
      },
    };
    this.kernels = opTableMap('CpuBackend', [
      copyKernels,
      elementwiseKernels,
      joiningKernels,
      indexingKernels,
      padKernels,
      rearrangeKernels,
      reduceKernels,
      softmaxKernels,
      matmulKernels,
      convKernels,
      poolKernels,
    ]);
  }

  /** The WebAssembly module of core's kernels, made on first use; undefined when disabled or unsupported. */
  wasm(): WasmModule | undefined {
    if (this.ownModule === undefined)
      this.ownModule =
        (this.simd &&
          WasmModule.create(this.threads, coreKernelFunctions, { relaxedSimd: this.relaxedSimd })) ||
        null;
    return this.ownModule ?? undefined;
  }

  /**
   * Whether f32 kernels run as WebAssembly SIMD here, on how many threads, and whether the
   * matrix products use relaxed SIMD's fused multiply-add.
   */
  info(): { simd: boolean; threads: number; relaxedSimd: boolean } {
    const rt = this.wasm();
    return {
      simd: rt !== undefined,
      threads: rt?.threads ?? 1,
      relaxedSimd: rt?.features.relaxedSimd ?? false,
    };
  }

  /** The job counts of every kernel module this backend made (its own and other packages'), summed. */
  jobStats(): JobStats {
    const sum: JobStats = { inline: 0, pooled: 0, pooledTasks: 0, pooledMs: 0 };
    for (const rt of [this.ownModule, ...this.modules.values()]) {
      if (!rt) continue;
      sum.inline += rt.stats.inline;
      sum.pooled += rt.stats.pooled;
      sum.pooledTasks += rt.stats.pooledTasks;
      sum.pooledMs += rt.stats.pooledMs;
    }
    return sum;
  }

  /** Ends the worker threads. Kernels keep working afterwards, on the calling thread. */
  dispose(): void {
    this.ownModule?.dispose();
    for (const rt of this.modules.values()) rt?.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private defaultLimit: number | undefined;

  /**
   * A quarter of the memory this process may use (see defaultCpuAllocationLimit), read once per
   * backend: asking the OS on every allocation cost ~10% of a small training step.
   */
  allocationLimit(): number {
    this.defaultLimit ??= defaultCpuAllocationLimit();
    return this.defaultLimit;
  }

  allocate(dtype: DType, size: number): TypedArray {
    return allocArray(dtype, size);
  }

  upload(_dtype: DType, data: TypedArray): TypedArray {
    return data.slice();
  }

  adopt(_dtype: DType, data: TypedArray): TypedArray {
    return data;
  }

  release(): void {
    // Typed arrays are reclaimed by the garbage collector once no storage refers to them.
  }

  async read(buffer: unknown): Promise<TypedArray> {
    return (buffer as TypedArray).slice();
  }

  readSync(buffer: unknown): TypedArray {
    return (buffer as TypedArray).slice();
  }

  private kernelFor(def: OpDef): CpuKernel | undefined {
    const own = def.kernels?.cpu as CpuKernel | undefined;
    return own ?? (isCoreOpName(def.name) ? this.kernels.get(def.name) : undefined);
  }

  supports(def: OpDef): boolean {
    return this.kernelFor(def) !== undefined;
  }

  kernelNames(): readonly CoreOpName[] {
    return [...this.kernels.keys()];
  }

  execute(def: OpDef, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: unknown): void {
    const kernel = this.kernelFor(def);
    if (!kernel) throw new Error(`${def.name}: no CPU kernel`);
    const ins: CpuInput[] = inputs.map((t) => {
      const s = t.storageFor(def.name);
      const raw = s.buffer as TypedArray;
      const half = isHalf(t.dtype);
      return {
        data: (half ? decodeHalf(t.dtype as 'f16' | 'bf16', raw as Uint16Array) : raw) as NumArray,
        shape: t.shape,
        strides: t.strides,
        offset: t.offset,
        dtype: half ? 'f32' : t.dtype,
      };
    });
    const outs: CpuOutput[] = outputs.map((t) => {
      const raw = t.storageFor(def.name).buffer as TypedArray;
      return isHalf(t.dtype)
        ? { data: new Float32Array(raw.length), shape: t.shape, dtype: 'f32' }
        : { data: raw as NumArray, shape: t.shape, dtype: t.dtype };
    });
    try {
      kernel(ins, outs, attrs, this.kernelEnv);
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      // A trap (here or in a worker) or a bug: name the op and the inputs, keep the cause.
      const shapes = inputs.map((t) => `${fmtShape(t.shape)} ${t.dtype}`).join(', ');
      const err = new TesseraError(
        def.name,
        `the CPU kernel failed on inputs ${shapes || '(none)'}: ${(e as Error)?.message ?? String(e)}`,
      );
      (err as { cause?: unknown }).cause = e;
      throw err;
    }
    outputs.forEach((t, i) => {
      if (isHalf(t.dtype))
        encodeHalfArray(t.dtype, outs[i].data as Float32Array, t.storageFor(def.name).buffer as Uint16Array);
    });
  }
}
