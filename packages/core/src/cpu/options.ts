/** How a CPU backend computes. */
export interface CpuOptions {
  /**
   * Threads a kernel may use, the calling thread included (default: the available cores). Where
   * workers or blocking waits are unavailable (a browser's main thread, no SharedArrayBuffer),
   * kernels use one.
   */
  threads?: number;
  /**
   * WebAssembly SIMD kernels for f32 hot paths (default true where supported). false keeps
   * every kernel in TypeScript, for platforms without WebAssembly SIMD and for debugging.
   */
  simd?: boolean;
}

/** Cores this environment reports (Node's availableParallelism, navigator.hardwareConcurrency). */
export function availableCores(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n =
    os?.availableParallelism?.() ??
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 1);
}
