import type { DType } from '@tessera/core';

/**
 * dtypes with GPU storage. bool is stored as one u32 per element (WGSL has no 8-bit storage); f16 as
 * `array<f16>` (2 bytes per element), only on devices with the `shader-f16` feature.
 */
export type GpuDType = 'f32' | 'i32' | 'bool' | 'f16';

/** The WGSL element type of a storage array. */
export type StorageType = 'f32' | 'i32' | 'u32' | 'f16';

/** The WGSL type kernels compute in. */
export type ComputeType = 'f32' | 'i32' | 'u32';

/** dtypes every device stores; f16 needs the `shader-f16` feature on top. */
export const GPU_DTYPES: readonly GpuDType[] = ['f32', 'i32', 'bool'];

export function isGpuDType(d: DType): d is GpuDType {
  return d === 'f32' || d === 'i32' || d === 'bool' || d === 'f16';
}

/** The WGSL element type of a storage array of dtype d. */
export function storageType(d: GpuDType): StorageType {
  return d === 'bool' ? 'u32' : d;
}

/**
 * The WGSL type kernels compute dtype d in: f16 widens to f32, so sums, products and dot products
 * accumulate in f32 and round once on store, as the CPU backend does.
 */
export function computeType(d: GpuDType): ComputeType {
  return d === 'bool' ? 'u32' : d === 'f16' ? 'f32' : d;
}

/** WGSL for a value (a vec4 with `width` 4) loaded from dtype d's storage, in its compute type. */
export function loadAs(d: GpuDType, v: string, width = 1): string {
  if (d !== 'f16') return v;
  return width === 4 ? `vec4<f32>(${v})` : `f32(${v})`;
}

/** WGSL for a compute-type value converted for storing as dtype d. */
export function storeAs(d: GpuDType, v: string): string {
  return d === 'f16' ? `f16(${v})` : v;
}

/** Bytes per element on the GPU (bool takes 4, f16 2). */
export function gpuElementBytes(d: GpuDType): number {
  return d === 'f16' ? 2 : 4;
}

/** Bytes of a buffer holding n elements of d: WebGPU copies and writes in multiples of 4 bytes. */
export function gpuBufferBytes(d: GpuDType, n: number): number {
  return Math.ceil((n * gpuElementBytes(d)) / 4) * 4;
}
