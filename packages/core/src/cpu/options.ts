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
  /**
   * Relaxed SIMD's fused multiply-add in the matrix-product kernels where the engine has it
   * (default true; Node ≥ 22, Chrome ≥ 114, Node 20 with `--experimental-wasm-relaxed-simd`).
   * false keeps baseline SIMD's separate multiply and add, whose results are the same on every
   * machine.
   */
  relaxedSimd?: boolean;
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

interface NodeOsMemory {
  totalmem?: () => number;
}

/**
 * The CPU's default allocation limit: a quarter of the memory this process may use (Node's
 * `process.constrainedMemory()` where a cgroup or container sets one, else `os.totalmem()`). An
 * op's inputs, its output and their gradients live together, so one buffer larger than this
 * would take the machine down with it. In a browser, a quarter of `navigator.deviceMemory`,
 * else 1 GiB.
 */
export function defaultCpuAllocationLimit(): number {
  const proc = (
    globalThis as {
      process?: { getBuiltinModule?: (id: string) => unknown; constrainedMemory?: () => number | undefined };
    }
  ).process;
  const os = proc?.getBuiltinModule?.('node:os') as NodeOsMemory | undefined;
  const total = os?.totalmem?.();
  if (total !== undefined && total > 0) {
    const constrained = proc?.constrainedMemory?.();
    const usable = constrained !== undefined && constrained > 0 ? Math.min(constrained, total) : total;
    return Math.floor(usable / 4);
  }
  const gb = (globalThis as { navigator?: { deviceMemory?: number } }).navigator?.deviceMemory;
  return gb !== undefined && gb > 0 ? Math.floor((gb * 2 ** 30) / 4) : 2 ** 30;
}
