import type { CoreOpTable } from '@tessera/core';
import { type ComputeType, computeType, type GpuDType } from '../wgsl/dtype.js';
import { launchStrided } from './strided.js';
import type { GpuKernel } from './types.js';

/**
 * WGSL converting a value of dtype `from` to dtype `to`, both in compute types (f16 is f32 here; the
 * store rounds it), with the CPU's semantics.
 */
export function convert(v: string, from: GpuDType, to: GpuDType): string {
  const f: ComputeType = computeType(from);
  const t: ComputeType = computeType(to);
  if (f === t) return v;
  if (t === 'u32') return f === 'f32' ? `select(0u, 1u, ${v} != 0.0)` : `select(0u, 1u, ${v} != 0)`;
  if (t === 'f32') return `f32(${v})`;
  // to i32: float → int truncates toward zero and wraps (NaN, ±∞ → 0), as an Int32Array store does.
  return f === 'f32' ? `f32_to_i32(${v})` : `i32(${v})`;
}

/** copy (strided → row-major) and cast share the strided template. */
export function copyKernels(): CoreOpTable<GpuKernel> {
  const kernel: GpuKernel = (host, [x], [out]) =>
    launchStrided(host, 'copy', [x], out, ([v]) => convert(v, x.dtype, out.dtype));
  return { copy: kernel, cast: kernel };
}
