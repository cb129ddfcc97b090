import type { GpuDType } from '../wgsl/dtype.js';
import { launchStrided } from './strided.js';
import type { GpuKernel } from './types.js';

/** WGSL converting a value of storage dtype `from` to storage dtype `to`, with the CPU's semantics. */
export function convert(v: string, from: GpuDType, to: GpuDType): string {
  if (from === to) return v;
  if (to === 'bool') return from === 'f32' ? `select(0u, 1u, ${v} != 0.0)` : `select(0u, 1u, ${v} != 0)`;
  if (to === 'f32') return `f32(${v})`;
  // to i32: float → int truncates toward zero and wraps (NaN, ±∞ → 0), as an Int32Array store does.
  return from === 'f32' ? `f32_to_i32(${v})` : `i32(${v})`;
}

/** copy (strided → row-major) and cast share the strided template. */
export function copyKernels(): Record<string, GpuKernel> {
  const kernel: GpuKernel = (host, [x], [out]) =>
    launchStrided(host, 'copy', [x], out, ([v]) => convert(v, x.dtype, out.dtype));
  return { copy: kernel, cast: kernel };
}
