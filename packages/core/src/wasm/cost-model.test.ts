import { describe, expect, it } from 'vitest';
import { MODE } from '../cpu/wasm/elementwise-kernel.js';
import { coreKernelFunctions } from '../cpu/wasm/kernels.js';
import { canBlock, canSpawnWorkers } from './thread-pool.js';
import { WasmModule } from './wasm-module.js';

/**
 * WasmModule.split's cost model: the prior threshold until a kernel has run alone, then the
 * kernel's measured rate against the pool's measured hand-off.
 */
describe.runIf(canSpawnWorkers() && canBlock())('thread split cost model', () => {
  it('uses the prior until a rate is measured, then splits only work that outweighs the hand-off', () => {
    const rt = WasmModule.create(2, coreKernelFunctions)!;
    try {
      expect(rt.threads).toBe(2);
      // No rate yet: the prior threshold decides.
      expect(rt.split('bin_add', 1000, 500)).toBe(true);
      expect(rt.split('bin_add', 1000, 5000)).toBe(false);
      expect(rt.handoff()).toBeUndefined();
      // Runs on this thread alone over 2^20 elements measure bin_add's rate: not the first,
      // which compiles the function, but the second.
      const n = 1 << 20;
      const base = rt.reserve(3 * n * 4);
      const [a, b, out] = [base, base + n * 4, base + 2 * n * 4];
      rt.f32().fill(1.5, a / 4, a / 4 + 2 * n);
      rt.run('bin_add', [a, b, out, n, 0, MODE.dense, n], 1, false, undefined, n);
      expect(rt.split('bin_add', 1e9, 1e12)).toBe(false); // still the prior
      rt.run('bin_add', [a, b, out, n, 0, MODE.dense, n], 1, false, undefined, n);
      expect(rt.f32()[out / 4 + n - 1]).toBe(3);
      // Now the prior no longer matters: a billion elements split, one element does not.
      expect(rt.split('bin_add', 1e9, 1e12)).toBe(true);
      expect(rt.split('bin_add', 1, 0)).toBe(false);
      // The hand-off was measured for that: a real round trip, well under a second.
      const h = rt.handoff()!;
      expect(h).toBeGreaterThan(0);
      expect(h).toBeLessThan(1000);
    } finally {
      rt.dispose();
    }
  });

  it('runs one in 32 of the jobs it would split alone, so that a kernel keeps being timed', () => {
    const rt = WasmModule.create(2, coreKernelFunctions)!;
    try {
      const n = 1 << 18;
      const base = rt.reserve(3 * n * 4);
      const args = [base, base + n * 4, base + 2 * n * 4, n, 0, MODE.dense, n];
      for (let r = 0; r < 2; r++) rt.run('bin_add', args, 1, false, undefined, n);
      const answers = Array.from({ length: 64 }, () => rt.split('bin_add', 1e9, 1e12));
      // Every answer is "split" but the 32nd and the 64th (a billion elements pay for any hand-off).
      expect(answers.map((x, i) => (x ? -1 : i + 1)).filter((i) => i > 0)).toEqual([32, 64]);
    } finally {
      rt.dispose();
    }
  });

  it('never splits on one thread', () => {
    const rt = WasmModule.create(1, coreKernelFunctions)!;
    expect(rt.split('bin_add', 1e12, 0)).toBe(false);
  });
});
