import { copyKernels } from './copy.js';
import { elementwiseKernels } from './elementwise.js';
import { indexingKernels } from './indexing.js';
import { joiningKernels } from './joining.js';
import { padKernels } from './pad.js';
import { rearrangeKernels } from './rearrange.js';
import type { GpuKernel } from './types.js';

/** Every WebGPU kernel by op name. */
export function allKernels(): Map<string, GpuKernel> {
  return new Map<string, GpuKernel>(
    Object.entries({
      ...copyKernels(),
      ...elementwiseKernels(),
      ...indexingKernels(),
      ...joiningKernels(),
      ...padKernels(),
      ...rearrangeKernels(),
    }),
  );
}
