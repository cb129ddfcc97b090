import { type Context, createContext } from '@tessera/core';
import type { WebGPUBackend } from './backend.js';
import { initWebGPU } from './init.js';

export interface TestDevice {
  ctx: Context;
  backend: WebGPUBackend;
}

/**
 * A fresh context with WebGPU initialized, or `{ skip }` with the reason when no adapter exists. Under
 * CI=true a missing adapter is an error (WebGPU tests must fail there, not skip); elsewhere tests skip.
 * `suite` names the skipped tests in the warning. Exported as `@tessera/webgpu/testing` so that other
 * packages' and apps' WebGPU tests follow the same rule.
 */
export async function testDevice(suite = '@tessera/webgpu tests'): Promise<TestDevice | { skip: string }> {
  const ctx = createContext();
  try {
    const backend = await initWebGPU({ context: ctx });
    return { ctx, backend };
  } catch (e) {
    const reason = `no WebGPU adapter: ${(e as Error).message}`;
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`${reason} (CI=true: run .ci/install-lavapipe.sh first)`);
    }
    console.warn(`${suite} skipped: ${reason}`);
    return { skip: reason };
  }
}

/**
 * Headless Chromium flags for browser tests: WebGPU on (Chromium's own Dawn, on whatever Vulkan
 * driver it finds) and no background networking (test machines have no network). With
 * `chromiumPath()`, the launch that this package's browser test and the apps' page tests share.
 */
export const CHROMIUM_WEBGPU_ARGS: readonly string[] = [
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--enable-features=Vulkan',
  '--use-angle=vulkan',
  '--disable-background-networking',
  '--disable-dev-shm-usage',
  '--no-first-run',
];

/** The Chromium binary for browser tests: $TESSERA_CHROMIUM, else Debian's (.ci/install-chromium.sh). */
export function chromiumPath(): string {
  return process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
}
