import { fail } from '@tessera/core';
import {
  f32Bits,
  type GpuBuffer,
  type GpuInput,
  type KernelHost,
  loadAs,
  storageType,
} from '@tessera/webgpu/kernel';
import type { FlashAttrs } from '../flash-attrs.js';

/*
 * What the flash-attention WGSL kernels (flash-forward-wgsl.ts, flash-backward-wgsl.ts) share:
 * their params layout, the WGSL of operand addressing, masks and packed-sequence key ranges,
 * the support check and the tile sizing. The kernel interface itself (GpuInput, KernelHost,
 * bindings, f16 loads and stores) is @tessera/webgpu's.
 */

/** The first 8 param words of every flash pass: b, h, hk, sq, sk, scale (f32 bits), causal, padding. */
export function headerWords(dims: [number, number, number, number, number], attrs: FlashAttrs): number[] {
  return [...dims, f32Bits(attrs.scale), attrs.causal ? 1 : 0, 0];
}

/** Strides of a 4-D operand as u32 words (i32 in WGSL), then its offset. */
export function stridedWords(t: GpuInput): number[] {
  return [...t.strides, t.offset].map((x) => x >>> 0);
}

/**
 * A mask broadcastable to [b, h, sq, sk] as 4 strides (0 on broadcast axes) and its offset.
 */
export function maskWords(mask: GpuInput): number[] {
  const lead = 4 - mask.shape.length;
  const out = [0, 0, 0, 0];
  mask.shape.forEach((n, i) => {
    out[lead + i] = n === 1 ? 0 : mask.strides[i];
  });
  return [...out, mask.offset].map((x) => x >>> 0);
}

/*
 * f16 operands are stored as f16 and computed in f32: every load widens (loadAs), every score,
 * softmax statistic and accumulator stays f32, and an f16 output is rounded once, when stored
 * (storeAs).
 */

/** The element type of t's storage bound as vec4 rows (w = 4) or scalars (w = 1). */
export function vecType(t: Pick<GpuInput, 'dtype'>, w: number): string {
  return w === 4 ? `vec4<${storageType(t.dtype)}>` : storageType(t.dtype);
}

/**
 * WGSL shared by the kernels. Scores of keys a row cannot see are NEG (a finite −∞ stand-in, so
 * no inf − inf can make a NaN); `NEG_INF()` is the true −∞ written into L for rows that see no key
 * (via a private variable, since WGSL rejects an infinite constant expression).
 */
export const COMMON_WGSL = `const NEG: f32 = -1e30;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
fn NEG_INF() -> f32 { return bitcast<f32>(NEG_INF_BITS); }
fn pi(k: u32) -> i32 { return bitcast<i32>(p[k]); }
// Element (b, h, s, c) of a strided 4-D operand whose strides and offset start at word w.
fn at4(w: u32, b: u32, h: u32, s: u32, c: u32) -> u32 {
  return u32(pi(w + 4u) + i32(b) * pi(w) + i32(h) * pi(w + 1u) + i32(s) * pi(w + 2u) + i32(c) * pi(w + 3u));
}`;

/** The flash kernels' common params (words 1–6 of every pass's params), as WGSL lets in `main`. */
export const PARAMS_WGSL = `  let H = p[1]; let HK = p[2]; let SQ = p[3]; let SK = p[4];
  let scale = bitcast<f32>(p[5]);
  let causal = p[6] != 0u;`;

/** PARAMS_WGSL and, for a workgroup row per (batch, query head), its batch, head and kv head. */
export const QUERY_HEAD_WGSL = `${PARAMS_WGSL}
  let bi = wid.y / H;
  let hi = wid.y % H;
  let kh = hi * HK / H; // grouped-query: query head h reads kv head ⌊h·hk/h⌋`;

/**
 * The part of a mask lookup in WGSL: the score x of (b, h, i, j) becomes NEG where a bool mask
 * drops the key, or x + mask (clamped at NEG, as the naive path does) for an additive mask.
 */
export function maskExpr(mask: GpuInput | undefined, name: string, word: number): string {
  if (!mask) return '';
  const e = `${name}[at4(${word}u, bi, hi, i, j)]`;
  return mask.dtype === 'bool'
    ? `if (${e} == 0u) { x = NEG; }`
    : `x = max(x + ${loadAs(mask.dtype, e)}, NEG);`;
}

export function maskType(mask: GpuInput | undefined): string {
  return mask ? storageType(mask.dtype) : 'f32';
}

/** Packed sequences' boundaries per launch of the key-ranges pass (3 header words + n + 1 ≤ 64). */
const RANGE_SEGMENTS = 60;

/**
 * For packed variable-length sequences, a scratch buffer of i32 pairs (lo, hi) per query row: the
 * half-open range of keys row i sees, its own sequence cut at the causal diagonal, as `keyRanges`
 * gives on the CPU. Both bounds never decrease with i, so a block of rows sees [lo(first), hi(last)).
 * The offsets reach the GPU through launch params, up to 60 sequences per launch. Needs sq = sk ≥ 1.
 */
export function keyRangesBuffer(host: KernelHost, sq: number, attrs: FlashAttrs, op: string): GpuBuffer {
  const cu = attrs.cuSeqlens as readonly number[];
  const ranges = host.scratch(8 * sq);
  const wgsl = `@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read_write> ranges: array<i32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // p: 0 causal, 1 sequences n, 2 unused, 3 … 3 + n their boundaries (cuSeqlens[s0 … s0 + n]).
  let n = p[1];
  let i = p[3] + gid.x + gid.y * nwg.x * 64u;
  if (i >= p[3u + n]) { return; }
  var s = 0u;
  while (i >= p[4u + s]) { s++; } // row i lies in sequence s: boundary s ≤ i < boundary s + 1
  let lo = i32(p[3u + s]);
  var hi = i32(p[4u + s]);
  if (p[0] != 0u) { hi = max(lo, min(hi, i32(i) + 1)); } // causal, sq = sk: keys j ≤ i
  ranges[2u * i] = lo;
  ranges[2u * i + 1u] = hi;
}`;
  for (let s0 = 0; s0 + 1 < cu.length; s0 += RANGE_SEGMENTS) {
    const bounds = cu.slice(s0, Math.min(s0 + RANGE_SEGMENTS, cu.length - 1) + 1);
    const rows = bounds[bounds.length - 1] - bounds[0];
    if (rows === 0) continue;
    const wgs = Math.ceil(rows / 64);
    const gx = Math.min(wgs, 65535);
    host.launch({
      wgsl,
      reads: [],
      writes: [ranges],
      params: [attrs.causal ? 1 : 0, bounds.length - 1, 0, ...bounds],
      groups: [gx, Math.ceil(wgs / gx), 1],
      op,
    });
  }
  return ranges;
}

/** Row i's visible keys [keyLo(i), keyHi(i)) from the `keyRangesBuffer` bound as `rangeIn`. */
export const KEY_RANGES_WGSL = `fn keyLo(i: u32) -> u32 { return u32(rangeIn[2u * i]); }
fn keyHi(i: u32) -> u32 { return u32(rangeIn[2u * i + 1u]); }`;

/** Rejects what the WGSL kernels do not implement (dropout, dtypes but f32 and f16) with a clear error. */
export function checkGpuSupport(op: string, inputs: readonly GpuInput[], attrs: FlashAttrs): void {
  if (attrs.dropout > 0) {
    fail(
      op,
      "dropout has no webgpu flash kernel; use strategy 'naive' or 'auto' (which picks naive for it), or run on 'cpu'",
    );
  }
  const [b, h] = inputs[0].shape;
  if (b * h > 65535) {
    fail(
      op,
      `batch·heads = ${b * h} exceeds the 65535 workgroups one dispatch dimension allows; split the batch`,
    );
  }
  for (const t of inputs.slice(0, 3)) {
    if (t.dtype !== 'f32' && t.dtype !== 'f16') {
      fail(op, `the webgpu flash kernels take f32 or f16 q, k, v, got ${t.dtype}`);
    }
  }
}

/**
 * Tile sizes: up to 32 query rows (one thread each) and 32 keys, shrunk until the workgroup
 * tiles fit the device's workgroup storage (`floatsPer(bq, bk)` floats).
 */
export function tiles(
  host: KernelHost,
  attrs: FlashAttrs,
  floatsPer: (bq: number, bk: number) => number,
): { bq: number; bk: number } {
  let bq = Math.max(1, Math.min(attrs.blockQ, 32));
  let bk = Math.max(1, Math.min(attrs.blockK, 32));
  const limit = host.limits.maxComputeWorkgroupStorageSize;
  while (floatsPer(bq, bk) * 4 > limit && (bq > 1 || bk > 1)) {
    if (bk >= bq && bk > 1) bk = Math.ceil(bk / 2);
    else bq = Math.ceil(bq / 2);
  }
  return { bq, bk };
}
