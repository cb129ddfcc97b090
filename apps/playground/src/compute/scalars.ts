import type { Tensor } from '@tessera/core';
import { readMany } from '@tessera/webgpu';

/**
 * Reads scalar tensors (step losses) and disposes them. The CPU reads synchronously; WebGPU
 * tensors are read with one submit and one buffer map for the lot.
 */
export async function readScalars(tensors: Tensor[]): Promise<number[]> {
  if (tensors.length === 0) return [];
  const values = tensors.every((t) => t.device === 'cpu')
    ? tensors.map((t) => t.itemSync())
    : (await readMany(tensors)).map((d) => Number(d[0]));
  for (const t of tensors) t.dispose();
  return values;
}
