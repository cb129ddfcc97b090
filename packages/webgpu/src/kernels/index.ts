import { copyKernels } from './copy.js';
import { elementwiseKernels } from './elementwise.js';
import type { GpuKernel } from './types.js';

/** Every WebGPU kernel by op name. */
export function allKernels(): Map<string, GpuKernel> {
  return new Map<string, GpuKernel>([
    ...Object.entries(copyKernels()),
    ...Object.entries(elementwiseKernels()),
  ]);
}
