import { type Context, createContext } from '@tessera/core';
import type { WebGPUBackend } from './backend.js';
import { initWebGPU } from './init.js';

export interface TestDevice {
  ctx: Context;
  backend: WebGPUBackend;
}

/**
 * A fresh context with WebGPU initialized, or null with the reason when no adapter exists. Under
 * CI=true a missing adapter is an error (the WebGPU tests must fail, not skip); elsewhere tests skip.
 */
export async function testDevice(): Promise<TestDevice | { skip: string }> {
  const ctx = createContext();
  try {
    const backend = await initWebGPU({ context: ctx });
    return { ctx, backend };
  } catch (e) {
    const reason = `no WebGPU adapter: ${(e as Error).message}`;
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`${reason} (CI=true: run .ci/install-lavapipe.sh first)`);
    }
    console.warn(`@tessera/webgpu tests skipped: ${reason}`);
    return { skip: reason };
  }
}
