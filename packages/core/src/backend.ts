import type { DType, TypedArray } from './dtype.js';
import type { OpDef } from './op.js';
import type { CoreOpName } from './op-names.js';
import type { Tensor } from './tensor.js';

/**
 * A device's implementation: memory plus its own kernel table. Nothing here is global: each
 * backend instance owns its kernels, and a Context holds the instances it was given.
 */
export interface Backend {
  /** Device name tensors carry, e.g. 'cpu' or 'webgpu'. */
  readonly device: string;
  /** A buffer of `size` zeroed elements of `dtype`, for the op named `op` where known (for errors). */
  allocate(dtype: DType, size: number, op?: string): unknown;
  /** A buffer holding a copy of `data` (already encoded in dtype's storage format). */
  upload(dtype: DType, data: TypedArray): unknown;
  /** Like upload, but the array is given away: a backend storing host arrays may keep it as is. */
  adopt?(dtype: DType, data: TypedArray): unknown;
  /**
   * True when an unreachable buffer is reclaimed by the JavaScript garbage collector by itself
   * (plain typed arrays). The safety net for handles collected without dispose() then never
   * holds such buffers; otherwise it holds them until its cleanup can `release` them.
   */
  readonly collectsBuffers?: boolean;
  /** Frees a buffer; the backend may defer this until work that reads it has finished. */
  release(buffer: unknown, dtype: DType, size: number): void;
  /** The whole buffer's contents in dtype's storage format. */
  read(buffer: unknown, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, where the device allows it (CPU). */
  readSync?(buffer: unknown, dtype: DType, size: number): TypedArray;
  /** Whether this backend has a kernel for the op at these input dtypes. */
  supports(def: OpDef, inputs: readonly Tensor[]): boolean;
  /** Runs the op's kernel, writing into freshly allocated contiguous outputs. */
  execute(def: OpDef, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: unknown): void;
  /** Core ops this backend has kernels of its own for (the kernel-coverage tests check them). */
  kernelNames(): readonly CoreOpName[];
  /**
   * The default for the most bytes one buffer may take (Context.allocationLimit); none if absent.
   */
  allocationLimit?(): number;
  /** Bytes a buffer of `size` elements takes here, where it differs from size × bytesPerElement. */
  storageBytes?(dtype: DType, size: number): number;
  /** Releases what the backend holds beyond tensors (e.g. the CPU backend's worker threads). */
  dispose?(): void;
}
