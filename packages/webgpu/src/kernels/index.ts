import { type CoreOpName, opTableMap } from '@tessera/core';
import { convKernels } from './conv.js';
import { copyKernels } from './copy.js';
import { elementwiseKernels } from './elementwise.js';
import { indexingKernels } from './indexing.js';
import { joiningKernels } from './joining.js';
import { matmulKernels } from './matmul.js';
import { padKernels } from './pad.js';
import { poolKernels } from './pool.js';
import { rearrangeKernels } from './rearrange.js';
import { reduceKernels } from './reduce.js';
import { softmaxKernels } from './softmax.js';
import type { GpuKernel } from './types.js';

/** Every WebGPU kernel by op name (an unknown or repeated name throws: see core's opTableMap). */
export function allKernels(): ReadonlyMap<CoreOpName, GpuKernel> {
  return opTableMap('WebGpuBackend', [
    convKernels(),
    copyKernels(),
    elementwiseKernels(),
    indexingKernels(),
    joiningKernels(),
    matmulKernels(),
    padKernels(),
    poolKernels(),
    rearrangeKernels(),
    reduceKernels(),
    softmaxKernels(),
  ]);
}
