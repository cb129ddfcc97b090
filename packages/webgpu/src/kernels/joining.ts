import type { CoreOpTable } from '@tessera/core';
import { storageType } from '../wgsl/dtype.js';
import { flatIndex, groups1d, rowMajorStrides } from './layout.js';
import { bindings, type GpuInput, type GpuKernel, type GpuOutput, type KernelHost } from './types.js';

const WG = 256;

/**
 * Copies a strided input into a region of the output: element c of x goes to
 * out[outOffset + Σ c_d·outStrides_d]. concat writes each input's slab; sliceScatter writes base, then src.
 * Later dispatches in the same pass see earlier writes (WebGPU orders dispatches within a pass).
 */
function launchRegion(
  host: KernelHost,
  op: string,
  x: GpuInput,
  out: GpuOutput,
  outStrides: readonly number[],
  outOffset: number,
): void {
  const n = x.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const rank = x.shape.length;
  // params: n, shape[r], x offset, x strides[r], out offset, out strides[r]
  const params = [n, ...x.shape, x.offset, ...x.strides, outOffset, ...outStrides];
  const xo = 1 + rank;
  const oo = 2 + 2 * rank;
  const pi = (j: number) => `bitcast<i32>(p[${j}u])`;
  const lines: string[] = ['  var rem = i;', `  var src = ${pi(xo)};`, `  var dst = ${pi(oo)};`];
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(`  let c${d} = i32(rem % p[${1 + d}u]);`);
    if (d > 0) lines.push(`  rem = rem / p[${1 + d}u];`);
    lines.push(`  src += c${d} * ${pi(xo + 1 + d)};`, `  dst += c${d} * ${pi(oo + 1 + d)};`);
  }
  const wgsl = `${bindings([storageType(x.dtype)], [storageType(out.dtype)])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = ${flatIndex(WG)};
  if (i >= p[0]) { return; }
${lines.join('\n')}
  out[u32(dst)] = in0[u32(src)];
}
`;
  host.launch({ op, wgsl, reads: [x.buf], writes: [out.buf], params, groups: groups1d(n, WG) });
}

const concat: GpuKernel<{ axis: number }> = (host, xs, [out], { axis }) => {
  const strides = rowMajorStrides(out.shape);
  let start = 0;
  for (const x of xs) {
    launchRegion(host, 'concat', x, out, strides, start * strides[axis]);
    start += x.shape[axis];
  }
};

interface SliceAttrs {
  axis: number;
  start: number;
  end: number;
  step: number;
}

const sliceScatter: GpuKernel<SliceAttrs> = (host, [base, src], [out], a) => {
  const strides = rowMajorStrides(out.shape);
  launchRegion(host, 'sliceScatter', base, out, strides, 0);
  const sliced = [...strides];
  sliced[a.axis] *= a.step;
  launchRegion(host, 'sliceScatter', src, out, sliced, a.start * strides[a.axis]);
};

export function joiningKernels(): CoreOpTable<GpuKernel> {
  return { concat, sliceScatter };
}
