import { loadAs, storeAs } from '../wgsl/dtype.js';
import { broadcastTo, coalesce, isDenseStrides, rowMajorStrides } from './layout.js';
import { launchPerElement } from './per-element.js';
import type { GpuInput, GpuOutput, KernelHost } from './types.js';

/**
 * The one-thread-per-output-element template behind every elementwise-like kernel: each input is
 * read through its own (broadcast) strides and offset, given as params, so one pipeline serves every
 * shape of a given merged rank. When all inputs are row-major in the output's shape (after merging
 * dims) the index decomposition is skipped: that is the contiguous fast path.
 *
 * `expr` receives the WGSL names of the loaded input values, in their compute types (f16 widened to
 * f32), and returns the value to store in the output's compute type; f16 rounds once, on the store.
 */
export function launchStrided(
  host: KernelHost,
  op: string,
  inputs: readonly GpuInput[],
  out: GpuOutput,
  expr: (v: readonly string[]) => string,
): void {
  const n = out.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const outStrides = rowMajorStrides(out.shape);
  const merged = coalesce(out.shape, [outStrides, ...inputs.map((x) => broadcastTo(x, out.shape))]);
  const shape = merged.shape;
  const rank = shape.length;
  const inStrides = merged.strides.slice(1);
  const dense = inStrides.map((s) => isDenseStrides(shape, s));
  const strided = dense.some((d) => !d);

  // params: n, shape[rank], then per input: offset, strides[rank]
  const params: number[] = [n, ...shape];
  const base = (k: number) => 1 + rank + k * (rank + 1);
  for (const [k, x] of inputs.entries()) params.push(x.offset, ...inStrides[k]);

  const lines: string[] = [];
  if (strided) {
    lines.push('  var rem = i;');
    inputs.forEach((_, k) => {
      if (!dense[k]) lines.push(`  var o${k} = bitcast<i32>(p[${base(k)}u]);`);
    });
    for (let d = rank - 1; d >= 0; d--) {
      lines.push(`  let c${d} = i32(rem % p[${1 + d}u]);`);
      if (d > 0) lines.push(`  rem = rem / p[${1 + d}u];`);
      inputs.forEach((_, k) => {
        if (!dense[k]) lines.push(`  o${k} += c${d} * bitcast<i32>(p[${base(k) + 1 + d}u]);`);
      });
    }
  }
  const names = inputs.map((_, k) => `v${k}`);
  inputs.forEach((x, k) => {
    const at = dense[k] ? `i + p[${base(k)}u]` : `u32(o${k})`;
    lines.push(`  let v${k} = ${loadAs(x.dtype, `in${k}[${at}]`)};`);
  });
  lines.push(`  out[i] = ${storeAs(out.dtype, expr(names))};`);
  const body = lines.join('\n');
  launchPerElement(host, op, op, inputs, out, params, n, body);
}
