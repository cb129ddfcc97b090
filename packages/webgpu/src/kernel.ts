/**
 * @tessera/webgpu/kernel: what a WGSL kernel is written against, for packages whose custom ops
 * carry WebGPU kernels of their own (as @tessera/attention's flash attention does). The backend
 * calls `def.kernels.webgpu(host, inputs, outputs, attrs)` — a `GpuKernel` — with the `KernelHost`
 * it launches `Launch`es on. The helpers write the parts every kernel repeats: binding
 * declarations, f32 params as u32 words, and the f16 storage conversions. Nothing here touches a
 * device, so importing it loads no WebGPU implementation.
 */
export type {
  Binding,
  GpuBuffer,
  GpuInput,
  GpuKernel,
  GpuOutput,
  KernelHost,
  Launch,
} from './kernels/types.js';
export { bindings, f32Bits } from './kernels/types.js';
export { type GpuDType, loadAs, storageType, storeAs } from './wgsl/dtype.js';
