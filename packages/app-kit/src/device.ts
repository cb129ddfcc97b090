import { type Context, createContext } from '@tessera/core';
import { webgpuBackendOf } from '@tessera/webgpu';

/**
 * The context an app runs on for `--device cpu|webgpu`: `context` (or a new one), with the WebGPU backend
 * registered when asked for. A missing adapter becomes an error that says how to run on the CPU instead;
 * the adapter in use is logged.
 */
export async function contextOn(
  device: 'cpu' | 'webgpu',
  options: { context?: Context; log?: (line: string) => void } = {},
): Promise<Context> {
  const context = options.context ?? createContext();
  if (device === 'webgpu') {
    const backend = await webgpuBackendOf(context).catch((e: Error) => {
      throw new Error(`--device webgpu: ${e.message}; or run with --device cpu`);
    });
    const { description, adapterClass } = backend.adapterInfo;
    options.log?.(`WebGPU: ${description} (${adapterClass} adapter)`);
  }
  return context;
}
