import { loadAs, type StorageType, storeAs } from '../wgsl/dtype.js';
import { launchPerElement } from './per-element.js';
import type { GpuInput, GpuOutput, KernelHost } from './types.js';

/** WGSL accessors a mapped kernel's body uses (all i32 expressions). */
export interface MappedScope {
  /** Output rank; output coordinates are `c0 … c{rank-1}`. */
  rank: number;
  /** Output dim d. */
  outDim(d: number): string;
  /** Input k's dim d. */
  dim(k: number, d: number): string;
  /** Flat storage index of input k at the given coordinate expressions. */
  at(k: number, coords: readonly string[]): string;
  /** Input k's element at the coordinates, in its compute type (f16 widened to f32). */
  load(k: number, coords: readonly string[]): string;
  /** A compute-type value converted for storing in the output (f16 rounds here, once). */
  store(v: string): string;
  /** Extra param j as u32 / i32 / f32. */
  extra(j: number): string;
  extraI32(j: number): string;
  extraF32(j: number): string;
}

/**
 * One thread per output element, with its coordinates decoded: the template behind data-movement
 * kernels (pad, repeat, flip, triangles, gather, indexSelect, oneHot, scatterAdd, padBackward).
 * Each input is addressed through its own shape, strides and offset (params), so views need no copy.
 * `body` returns WGSL statements that assign `out[i]`. Moves copy storage values as they are; kernels that
 * compute read through `load` and write through `store`, so f16 computes in f32.
 */
export function launchMapped(
  host: KernelHost,
  op: string,
  inputs: readonly GpuInput[],
  out: GpuOutput,
  extra: readonly number[],
  body: (s: MappedScope) => string,
  /** Distinguishes generated code that depends on attrs baked into the WGSL. */
  variant = '',
  /** Module-scope WGSL (helper functions) that may use the scope's accessors. */
  helpers?: (s: MappedScope) => string,
): void {
  const n = out.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const rank = out.shape.length;
  const params: number[] = [n, ...out.shape];
  const inBase: number[] = [];
  for (const x of inputs) {
    inBase.push(params.length);
    params.push(x.offset, ...x.shape, ...x.strides);
  }
  const extraBase = params.length;
  params.push(...extra);
  const pi = (j: number) => `bitcast<i32>(p[${j}u])`;
  const scope: MappedScope = {
    rank,
    outDim: (d) => pi(1 + d),
    dim: (k, d) => pi(inBase[k] + 1 + d),
    at: (k, coords) => {
      const r = inputs[k].shape.length;
      const terms = coords.map((c, d) => `(${c}) * ${pi(inBase[k] + 1 + r + d)}`);
      return `u32(${[pi(inBase[k]), ...terms].join(' + ')})`;
    },
    load: (k, coords) => loadAs(inputs[k].dtype, `in${k}[${scope.at(k, coords)}]`),
    store: (v) => storeAs(out.dtype, v),
    extra: (j) => `p[${extraBase + j}u]`,
    extraI32: (j) => pi(extraBase + j),
    extraF32: (j) => `bitcast<f32>(p[${extraBase + j}u])`,
  };
  const lines: string[] = [];
  if (rank > 0) lines.push('  var rem = i;');
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  let c${d} = i32(rem % p[${1 + d}u]);`);
    if (d > 0) lines.push(`  rem = rem / p[${1 + d}u];`);
  }
  lines.push(body(scope));
  const code = lines.join('\n');
  const extraFns = helpers ? helpers(scope) : '';
  launchPerElement(host, op, `${op} ${variant}`, inputs, out, params, n, code, extraFns);
}

/** The zero of a storage or compute type as WGSL. */
export function zeroOf(t: StorageType): string {
  return t === 'f32' ? '0.0' : t === 'f16' ? '0.0h' : t === 'i32' ? '0' : '0u';
}

/** The one of a storage or compute type as WGSL. */
export function oneOf(t: StorageType): string {
  return t === 'f32' ? '1.0' : t === 'f16' ? '1.0h' : t === 'i32' ? '1' : '1u';
}
