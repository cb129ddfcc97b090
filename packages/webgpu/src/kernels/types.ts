/// <reference types="@webgpu/types" />
import type { GpuDType } from '../wgsl/dtype.js';

/** A tensor's GPU memory: a pooled buffer of at least `bytes` bytes. */
export interface GpuBuffer {
  readonly buffer: GPUBuffer;
  /** Capacity in bytes (the pool's size class, ≥ the tensor's need). */
  readonly capacity: number;
  /** Bytes the tensor uses (4 per element, 2 for f16, rounded up to a multiple of 4, at least 4). */
  readonly bytes: number;
  /** A recycled buffer is cleared lazily, only if something reads it before a kernel writes it. */
  needsClear: boolean;
  released: boolean;
  /**
   * A host copy of a small uploaded i32 tensor (an index, typically). Buffers are never written after
   * upload, so it stays valid; index kernels use it to reject out-of-range indices synchronously, as
   * the CPU does. Indices computed on the GPU have none and are clamped by the kernels instead.
   */
  host?: Int32Array;
}

/** A strided input as a kernel sees it. */
export interface GpuInput {
  buf: GpuBuffer;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  dtype: GpuDType;
}

/** A fresh contiguous output. */
export interface GpuOutput {
  buf: GpuBuffer;
  shape: readonly number[];
  dtype: GpuDType;
}

/** One compute dispatch. Bindings: 0 = params (u32 words), then `reads`, then `writes`. */
export interface Launch {
  /** Full WGSL module; also the pipeline cache key. */
  wgsl: string;
  reads: readonly GpuBuffer[];
  writes: readonly GpuBuffer[];
  /** u32 words (negative integers wrap; f32 values go through f32Bits). */
  params: readonly number[];
  groups: readonly [number, number, number];
  /** Label for errors and profiling. */
  op: string;
}

/** What the backend offers its kernels. */
export interface KernelHost {
  launch(l: Launch): void;
  /** Encodes a buffer-to-buffer copy (bytes) in order with the dispatches. */
  copy(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, bytes: number): void;
  /** Encodes zeroing `bytes` bytes of a buffer from byte `start` (both multiples of 4). */
  fill(buf: GpuBuffer, start: number, bytes: number): void;
  /** A scratch buffer released after the current batch is submitted. */
  scratch(bytes: number): GpuBuffer;
  /** 'software' adapters (lavapipe, SwiftShader) prefer barrier-free kernels. */
  readonly adapterClass: 'software' | 'gpu';
  readonly limits: GPUSupportedLimits;
  /** The guaranteed (minimum) subgroup size when the device has the 'subgroups' feature, else undefined. */
  readonly subgroupSize: number | undefined;
  /** Kernel shape overrides (the bench sweeps these). */
  tuning?: { vec4?: { tm: number; tn: number; wg: number } };
}

// biome-ignore lint/suspicious/noExplicitAny: each kernel narrows its own attrs type.
export type GpuKernel<A = any> = (
  host: KernelHost,
  inputs: readonly GpuInput[],
  outputs: readonly GpuOutput[],
  attrs: A,
) => void;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bit pattern of x as an f32, for params read back with bitcast<f32>. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

/**
 * A storage binding: its WGSL element type (named by position: in0, in1, … for reads; out, out1, …
 * for writes), or [name, element type].
 */
export type Binding = string | readonly [name: string, type: string];

/**
 * Binding declarations: params at 0, read-only inputs, then read-write outputs. An f16 array brings
 * `enable f16;`, which must precede every declaration, so kernels put bindings first.
 */
export function bindings(reads: readonly Binding[], writes: readonly Binding[]): string {
  const named = (b: Binding, fallback: string): readonly [string, string] =>
    typeof b === 'string' ? [fallback, b] : b;
  const ins = reads.map((b, i) => named(b, `in${i}`));
  const outs = writes.map((b, i) => named(b, i === 0 ? 'out' : `out${i}`));
  const lines = ['@group(0) @binding(0) var<storage, read> p: array<u32>;'];
  if ([...ins, ...outs].some(([, t]) => /\bf16\b/.test(t))) lines.unshift('enable f16;');
  for (const [i, [name, t]] of ins.entries()) {
    lines.push(`@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<${t}>;`);
  }
  for (const [i, [name, t]] of outs.entries()) {
    lines.push(`@group(0) @binding(${ins.length + i + 1}) var<storage, read_write> ${name}: array<${t}>;`);
  }
  return lines.join('\n');
}
