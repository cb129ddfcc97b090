import { type Context, defaultContext } from '@tessera/core';
import { type AdapterSummary, WebGPUBackend } from './backend.js';

export interface InitWebGPUOptions {
  /** Context to register the backend on (default: core's default context). */
  context?: Context;
  /** A GPU object to use instead of `navigator.gpu` or, in Node, the `webgpu` package's. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** Force the kernel family: 'software' (barrier-free, for CPU adapters) or 'gpu' (workgroup tiling). */
  adapterClass?: 'software' | 'gpu';
  /** Use subgroup operations where the adapter has them (default true); false runs the kernels without. */
  subgroups?: boolean;
  /** Idle bytes the buffer pool keeps for reuse (default 512 MiB). */
  maxPooledBytes?: number;
  /**
   * Request the `shader-f16` feature where the adapter has it, for f16 tensors (default true). With
   * false, or on adapters without it, f16 tensors are rejected with an error naming the feature.
   */
  shaderF16?: boolean;
}

/** The WebGPU entry point: the browser's navigator.gpu, else Dawn from the `webgpu` npm package. */
async function findGPU(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  // A variable specifier keeps bundlers from pulling the Node-only package into browser builds.
  const specifier = 'webgpu';
  let mod: { create: (flags: string[]) => GPU };
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new Error(
      `initWebGPU: no navigator.gpu and the 'webgpu' package (Dawn for Node) could not be loaded ` +
        `(${(e as Error).message}); install it with 'pnpm add webgpu'`,
    );
  }
  return mod.create([]);
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|warp|software|cpu/i;

function summarize(adapter: GPUAdapter, forced?: 'software' | 'gpu'): AdapterSummary {
  const info = adapter.info;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    adapterClass: forced ?? (fallback || SOFTWARE.test(text) ? 'software' : 'gpu'),
    subgroupMinSize: (info as GPUAdapterInfo & { subgroupMinSize?: number }).subgroupMinSize,
  };
}

/**
 * Requests an adapter and device, registers a Backend named 'webgpu' on the context and returns it.
 * Afterwards `t.to('webgpu')` and `setDefaultDevice('webgpu')` work.
 */
export async function initWebGPU(options: InitWebGPUOptions = {}): Promise<WebGPUBackend> {
  const gpu = options.gpu ?? (await findGPU());
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) {
    throw new Error(
      'initWebGPU: no WebGPU adapter found (in Node, Dawn needs a Vulkan driver such as Mesa lavapipe; ' +
        'in a browser, WebGPU must be enabled)',
    );
  }
  // Ask for the adapter's own buffer and workgroup limits: the defaults (128 MiB bindings) are too small
  // for large matmuls.
  const l = adapter.limits;
  // Optional features, taken from the adapter's own set (older @webgpu/types, which tfjs brings into the
  // bench, lack the name 'subgroups'): subgroup operations let the software matmul share loads between
  // SIMD lanes (kernels/matmul.ts); f16 storage and arithmetic need 'shader-f16' (without it f16 tensors
  // are rejected with a clear error).
  const wanted = new Set<string>();
  if (options.subgroups !== false) wanted.add('subgroups');
  if (options.shaderF16 !== false) wanted.add('shader-f16');
  const requiredFeatures = [...adapter.features].filter((f) => wanted.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  const backend = new WebGPUBackend(device, summarize(adapter, options.adapterClass), {
    maxPooledBytes: options.maxPooledBytes,
    keepAlive: [gpu, adapter],
  });
  (options.context ?? defaultContext()).registerBackend(backend);
  return backend;
}

/**
 * The context's WebGPU backend: the one an earlier `initWebGPU` registered, else a new one from
 * `initWebGPU({ ...options, context })` (whose error says what is missing when there is no adapter).
 */
export async function webgpuBackendOf(
  context: Context,
  options: Omit<InitWebGPUOptions, 'context'> = {},
): Promise<WebGPUBackend> {
  if (context.hasBackend('webgpu')) {
    const existing = context.backend('webgpu');
    if (existing instanceof WebGPUBackend) return existing;
    throw new Error("webgpuBackendOf: the context's 'webgpu' backend is not @tessera/webgpu's WebGPUBackend");
  }
  return initWebGPU({ ...options, context });
}
