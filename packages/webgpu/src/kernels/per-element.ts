import { storageType } from '../wgsl/dtype.js';
import { preludeFor } from '../wgsl/prelude.js';
import { flatIndex, groups1d } from './layout.js';
import { bindings, type GpuInput, type GpuOutput, type KernelHost } from './types.js';

const WG = 256;

/**
 * Launches a kernel with one thread per output element: `main` sets `i` (the flat output index),
 * returns past p[0] elements, then runs `body`; `fns` (helper functions) go above it. The mapped and
 * strided templates build their bodies and share this shell.
 */
export function launchPerElement(
  host: KernelHost,
  op: string,
  comment: string,
  inputs: readonly GpuInput[],
  out: GpuOutput,
  params: number[],
  n: number,
  body: string,
  fns = '',
): void {
  const wgsl = `// ${comment}
${bindings(
  inputs.map((x) => storageType(x.dtype)),
  [storageType(out.dtype)],
)}
${preludeFor(body + fns)}
${fns}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = ${flatIndex(WG)};
  if (i >= p[0]) { return; }
${body}
}
`;
  host.launch({
    op,
    wgsl,
    reads: inputs.map((x) => x.buf),
    writes: [out.buf],
    params,
    groups: groups1d(n, WG),
  });
}
