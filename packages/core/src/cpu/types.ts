import type { DType } from '../dtype.js';
import type { FunctionBuilder } from '../wasm/emitter.js';
import type { WasmFeatures } from '../wasm/features.js';
import type { WasmModule } from '../wasm/wasm-module.js';

/** Arrays CPU kernels compute on: half formats are widened to f32 before a kernel sees them. */
export type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A strided input as a CPU kernel reads it. */
export interface CpuInput {
  data: NumArray;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  dtype: DType;
}

/** A contiguous output a CPU kernel fills. */
export interface CpuOutput {
  data: NumArray;
  shape: readonly number[];
  dtype: DType;
}

/**
 * What the backend running a CPU kernel offers it, as every call's fourth argument: core's own
 * kernels and custom ops' kernels (`OpDef.kernels.cpu`) get the same environment.
 */
export interface CpuKernelEnv {
  /** Threads this backend's kernels may use, the calling thread included. */
  readonly threads: number;
  /**
   * A WebAssembly kernel module on this backend's threads (workers over one shared memory), or
   * undefined where the backend's SIMD is off or the platform lacks it. Without an argument:
   * core's own kernel module. With `functions`: a module of the caller's own functions, made by the first call with this `functions` (compared by identity, so pass
   * the same function each time) and kept until the backend is disposed. `functions` is given
   * the optional features the module may use (relaxed SIMD where the engine has it and the
   * backend allows it: CpuOptions.relaxedSimd).
   */
  wasmModule(functions?: (features: WasmFeatures) => readonly FunctionBuilder[]): WasmModule | undefined;
}

/** A CPU kernel: reads `inputs`, fills `outputs`. */
// biome-ignore lint/suspicious/noExplicitAny: each kernel narrows its own attrs type.
export type CpuKernel<A = any> = (
  inputs: CpuInput[],
  outputs: CpuOutput[],
  attrs: A,
  env: CpuKernelEnv,
) => void;
