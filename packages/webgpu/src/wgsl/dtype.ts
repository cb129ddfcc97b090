import type { DType } from '@tessera/core';

/** dtypes with GPU storage; bool is stored as one u32 per element (WGSL has no 8-bit storage). */
export type GpuDType = 'f32' | 'i32' | 'bool';

export const GPU_DTYPES: readonly GpuDType[] = ['f32', 'i32', 'bool'];

export function isGpuDType(d: DType): d is GpuDType {
  return d === 'f32' || d === 'i32' || d === 'bool';
}

/** The WGSL element type of a storage array of dtype d. */
export function storageType(d: GpuDType): 'f32' | 'i32' | 'u32' {
  return d === 'bool' ? 'u32' : d;
}

/** Bytes per element on the GPU (bool takes 4). */
export const GPU_ELEMENT_BYTES = 4;
