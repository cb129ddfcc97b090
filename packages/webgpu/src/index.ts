/**
 * @tessera/webgpu: the WebGPU backend. `await initWebGPU()` registers the device 'webgpu' on a
 * context; tensors move there with `t.to('webgpu')`.
 */
export { type AdapterSummary, WebGPUBackend, type WebGPUMemory } from './backend.js';
export { sizeClass } from './buffer-pool.js';
export { type InitWebGPUOptions, initWebGPU, webgpuBackendOf } from './init.js';
export type { GpuBuffer, GpuInput, GpuKernel, GpuOutput, KernelHost, Launch } from './kernels/types.js';
export { readMany } from './read.js';
