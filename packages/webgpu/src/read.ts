import { type DataFor, type DType, f16BitsToF32, type Tensor, TesseraError } from '@tessera/core';
import type { WebGPUBackend } from './backend.js';
import type { GpuBuffer } from './kernels/types.js';

/**
 * Reads several WebGPU tensors with one submit and one buffer map (instead of one round trip each).
 * Non-contiguous views are first copied to row-major on the GPU. f16 is widened to f32, as `data()` does.
 */
export async function readMany<T extends readonly Tensor[]>(
  tensors: T,
): Promise<{ [K in keyof T]: T[K] extends Tensor<infer D> ? DataFor<D> : never }> {
  if (tensors.length === 0) return [] as never;
  const backend = tensors[0].storageFor('readMany').backend as WebGPUBackend;
  if (tensors.some((t) => t.device !== 'webgpu')) {
    throw new TesseraError(
      'readMany',
      `every tensor must be on 'webgpu' (got ${tensors.map((t) => t.device).join(', ')})`,
    );
  }
  const packed = tensors.map((t) => (t.isContiguous ? t : t.contiguous()));
  try {
    const raws = await backend.readBuffers(
      packed.map((t) => {
        const s = t.storageFor('readMany');
        return { buf: s.buffer as GpuBuffer, dtype: s.dtype as DType, size: s.size };
      }),
    );
    return raws.map((raw, i) => {
      const own = raw.slice(packed[i].offset, packed[i].offset + packed[i].size);
      return packed[i].dtype === 'f16' ? Float32Array.from(own, f16BitsToF32) : own;
    }) as never;
  } finally {
    packed.forEach((p, i) => {
      if (p !== tensors[i]) p.dispose();
    });
  }
}
