import type { CoreOpTable } from '@tessera/core';
import { computeType, loadAs, storageType, storeAs } from '../wgsl/dtype.js';
import { preludeFor } from '../wgsl/prelude.js';
import { groups1d, rowMajorStrides } from './layout.js';
import { decodeOffset, laneLayout } from './reduce.js';
import { bindings, type GpuInput, type GpuKernel, type GpuOutput, type KernelHost } from './types.js';

const WG = 256;

/**
 * Lanes along one axis of x and of its row-major output, and the params both lane kernels read:
 * nLanes, laneLen, x offset, x lane stride, out lane stride, x kept (shape, strides), out kept
 * (shape, strides). Null when there is nothing to do.
 */
function axisLanes(x: GpuInput, axis: number) {
  const axes = x.shape.length === 0 ? [] : [axis];
  const l = laneLayout(x, axes);
  const o = laneLayout({ ...x, strides: rowMajorStrides(x.shape), offset: 0 }, axes);
  if (l.nOut === 0 || l.nRed === 0) return null;
  const xStride = l.redShape.length === 1 ? l.redStrides[0] : 0;
  const oStride = o.redShape.length === 1 ? o.redStrides[0] : 0;
  const params = [
    l.nOut,
    l.nRed,
    x.offset,
    xStride,
    oStride,
    ...l.outShape,
    ...l.outStrides,
    ...o.outShape,
    ...o.outStrides,
  ];
  return { l, ko: l.outShape.length, oo: o.outShape.length, params };
}

/**
 * softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) and logSoftmax(x)ᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m) along one
 * axis, m the lane max (so exp never overflows). One thread per lane for short lanes or many lanes,
 * else one workgroup per lane with two tree reductions (max, then the sum) in workgroup memory.
 */
function launchSoftmax(
  host: KernelHost,
  op: string,
  x: GpuInput,
  out: GpuOutput,
  axis: number,
  log: boolean,
): void {
  const lanes = axisLanes(x, axis);
  if (!lanes) return;
  const { l, ko, oo, params } = lanes;
  const at = 5 + 2 * ko;
  // Every input computes in f32 (f16 widens; integer inputs give an f32 output).
  const load = (v: string) => (x.dtype === 'f32' ? v : `f32(${v})`);
  const xv = (j: string) => load(`in0[u32(xb + i32(${j}) * bitcast<i32>(p[3u]))]`);
  const write = (j: string, m: string, s: string) =>
    `out[u32(ob + i32(${j}) * bitcast<i32>(p[4u]))] = ${storeAs(out.dtype, log ? `${xv(j)} - ${m} - log(${s})` : `exp(${xv(j)} - ${m}) / ${s}`)};`;
  // An f32 output holds e = exp(x − m) between passes; a narrower one would round it twice, so it recomputes.
  const reuse = out.dtype === 'f32';
  const prologue = (lane: string) => `${decodeOffset('xk', lane, ko, 5)}
${decodeOffset('ok', lane, oo, at)}
  let xb = bitcast<i32>(p[2u]) + xk;
  let ob = ok;`;
  // Software adapters run a workgroup's barriers as loop splits: one thread per lane pays off sooner there.
  const perThread = l.nRed <= 64 || l.nOut >= (host.adapterClass === 'software' ? 256 : 2048);
  let code: string;
  let groups: [number, number, number];
  if (perThread) {
    code = `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lane = gid.x + gid.y * nwg.x * 64u;
  if (lane >= p[0]) { return; }
${prologue('lane')}
  let n = p[1u];
  var m = -inf_f32();
  for (var j = 0u; j < n; j++) { m = max(m, ${xv('j')}); }
  if (m == -inf_f32()) { m = 0.0; }
  var s = 0.0;
${
  log || !reuse
    ? `  for (var j = 0u; j < n; j++) { s += exp(${xv('j')} - m); }
  for (var j = 0u; j < n; j++) { ${write('j', 'm', 's')} }`
    : `  // exp once per element: store e = exp(x − m) while summing, then scale by 1/Σe.
  for (var j = 0u; j < n; j++) {
    let e = exp(${xv('j')} - m);
    s += e;
    out[u32(ob + i32(j) * bitcast<i32>(p[4u]))] = e;
  }
  let r = 1.0 / s;
  for (var j = 0u; j < n; j++) { out[u32(ob + i32(j) * bitcast<i32>(p[4u]))] *= r; }`
}
}`;
    groups = groups1d(l.nOut, 64);
  } else {
    code = `var<workgroup> sh: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let lane0 = wid.x + wid.y * nwg.x;
  let lane = min(lane0, p[0] - 1u);
${prologue('lane')}
  let n = p[1u];
  var m = -inf_f32();
  for (var j = lid; j < n; j += ${WG}u) { m = max(m, ${xv('j')}); }
  sh[lid] = m;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid < k) { sh[lid] = max(sh[lid], sh[lid + k]); }
    workgroupBarrier();
  }
  var mx = sh[0];
  if (mx == -inf_f32()) { mx = 0.0; }
  workgroupBarrier();
  var s = 0.0;
  for (var j = lid; j < n; j += ${WG}u) { s += exp(${xv('j')} - mx); }
  sh[lid] = s;
  workgroupBarrier();
  for (var k = ${WG / 2}u; k > 0u; k = k >> 1u) {
    if (lid < k) { sh[lid] = sh[lid] + sh[lid + k]; }
    workgroupBarrier();
  }
  let total = sh[0];
  if (lane0 < p[0]) {
    for (var j = lid; j < n; j += ${WG}u) { ${write('j', 'mx', 'total')} }
  }
}`;
    groups = groups1d(l.nOut, 1);
  }
  const wgsl = `// ${op}
${bindings([storageType(x.dtype)], [storageType(out.dtype)])}
${preludeFor(code)}
${code}
`;
  host.launch({ op, wgsl, reads: [x.buf], writes: [out.buf], params, groups });
}

interface AxisAttrs {
  axis: number;
}

/** cumsum: one thread per lane, a sequential running sum along the axis (bool adds as i32). */
function launchCumsum(host: KernelHost, x: GpuInput, out: GpuOutput, axis: number): void {
  const lanes = axisLanes(x, axis);
  if (!lanes) return;
  const { l, ko, oo, params } = lanes;
  const t = computeType(out.dtype);
  const loaded = loadAs(x.dtype, 'in0[u32(xb + i32(j) * bitcast<i32>(p[3u]))]');
  const v = computeType(x.dtype) === t ? loaded : `${t}(${loaded})`;
  const wgsl = `// cumsum
${bindings([storageType(x.dtype)], [storageType(out.dtype)])}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lane = gid.x + gid.y * nwg.x * 64u;
  if (lane >= p[0]) { return; }
${decodeOffset('xk', 'lane', ko, 5)}
${decodeOffset('ok', 'lane', oo, 5 + 2 * ko)}
  let xb = bitcast<i32>(p[2u]) + xk;
  var acc: ${t} = ${t === 'f32' ? '0.0' : '0'};
  for (var j = 0u; j < p[1u]; j++) {
    acc = acc + ${v};
    out[u32(ok + i32(j) * bitcast<i32>(p[4u]))] = ${storeAs(out.dtype, 'acc')};
  }
}
`;
  host.launch({
    op: 'cumsum',
    wgsl,
    reads: [x.buf],
    writes: [out.buf],
    params,
    groups: groups1d(l.nOut, 64),
  });
}

export function softmaxKernels(): CoreOpTable<GpuKernel> {
  return {
    softmax: ((host, [x], [out], { axis }) =>
      launchSoftmax(host, 'softmax', x, out, axis, false)) as GpuKernel<AxisAttrs>,
    logSoftmax: ((host, [x], [out], { axis }) =>
      launchSoftmax(host, 'logSoftmax', x, out, axis, true)) as GpuKernel<AxisAttrs>,
    cumsum: ((host, [x], [out], { axis }) => launchCumsum(host, x, out, axis)) as GpuKernel<AxisAttrs>,
  };
}
