import type { DType } from '../dtype.js';

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

// biome-ignore lint/suspicious/noExplicitAny: each kernel narrows its own attrs type.
export type CpuKernel<A = any> = (inputs: CpuInput[], outputs: CpuOutput[], attrs: A) => void;
