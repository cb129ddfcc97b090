import { TesseraError } from '@tessera/core';
import {
  bindings,
  type GpuInput,
  type GpuKernel,
  type GpuOutput,
  type KernelHost,
} from '@tessera/webgpu/kernel';

/*
 * WGSL kernels of the dispatch ops (see grouped-matmul.ts and permute.ts for the math). f32 only.
 * Every operand may be a strided view: its strides and offset travel in the params (u32 words).
 * Indices computed on the GPU cannot be checked before the launch, so the kernels skip a dest row
 * outside the buffer instead of writing there.
 */

const TILE = 16;

function checkF32(op: string, ts: readonly (GpuInput | GpuOutput)[]): void {
  const bad = ts.find((t) => t.dtype !== 'f32');
  if (bad)
    throw new TesseraError(
      op,
      `the webgpu kernel takes f32 operands, got ${bad.dtype}; cast to f32 or run on 'cpu'`,
    );
}

/** Strides and offset of a 2-D or 3-D operand as u32 words. */
const layout = (t: GpuInput): number[] => [...t.strides, t.offset].map((x) => x >>> 0);

/** A 1-D launch of `threads` threads (64 per workgroup) folded into a 2-D grid within the limits. */
function grid(threads: number): [number, number, number] {
  const wgs = Math.max(1, Math.ceil(threads / 64));
  const gx = Math.min(wgs, 65535);
  return [gx, Math.ceil(wgs / gx), 1];
}
const FLAT_ID = 'let i = gid.x + gid.y * nwg.x * 64u;';
const FLAT_MAIN =
  '@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {';

// y[r, j] = Σₜ x[r, t]·w[e, t, j]: 16×16 output tiles, each inside one group's rows. Workgroup row
// tiles enumerate every group's ⌈m_e/16⌉ tiles in order (at most ⌈R/16⌉ + E of them; spare ones exit).
const GMM_WGSL = `${bindings(
  [
    ['X', 'f32'],
    ['W', 'f32'],
    ['OFF', 'i32'],
  ],
  [['Y', 'f32']],
)}
var<workgroup> As: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // p: 0 E, 1 K, 2 N, 3–5 x strides (row, col) and offset, 6–9 w strides (group, row, col) and offset.
  let E = p[0]; let K = p[1]; let N = p[2];
  var tile = wid.y;
  var e = 0u;
  var r0 = 0u;
  var rEnd = 0u;
  loop {
    if (e >= E) { break; }
    let lo = u32(OFF[e]);
    let hi = u32(OFF[e + 1u]);
    let tiles = (hi - lo + ${TILE - 1}u) / ${TILE}u;
    if (tile < tiles) { r0 = lo + tile * ${TILE}u; rEnd = hi; break; }
    tile -= tiles;
    e++;
  }
  if (e >= E) { return; }
  let row = r0 + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < K; k0 += ${TILE}u) {
    let ka = k0 + lid.x;
    As[lid.y][lid.x] = select(0.0, X[p[5] + row * p[3] + ka * p[4]], row < rEnd && ka < K);
    let kb = k0 + lid.y;
    Bs[lid.y][lid.x] = select(0.0, W[p[9] + e * p[6] + kb * p[7] + col * p[8]], kb < K && col < N);
    workgroupBarrier();
    for (var t = 0u; t < ${TILE}u; t++) { acc += As[lid.y][t] * Bs[t][lid.x]; }
    workgroupBarrier();
  }
  if (row < rEnd && col < N) { Y[row * N + col] = acc; }
}`;

// z[e, i, j] = Σ_{r in group e} a[r, i]·b[r, j]: one 16×16 tile of z_e per workgroup, walking the
// group's rows 16 at a time (an empty group writes zeros).
const GMM_TN_WGSL = `${bindings(
  [
    ['A', 'f32'],
    ['B', 'f32'],
    ['OFF', 'i32'],
  ],
  [['Z', 'f32']],
)}
var<workgroup> As: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // p: 0 K, 1 N, 2–4 a strides and offset, 5–7 b strides and offset.
  let K = p[0]; let N = p[1];
  let e = wid.z;
  let lo = u32(OFF[e]);
  let hi = u32(OFF[e + 1u]);
  let i = wid.y * ${TILE}u + lid.y;
  let j = wid.x * ${TILE}u + lid.x;
  var acc = 0.0;
  for (var r0 = lo; r0 < hi; r0 += ${TILE}u) {
    // As[t][c] = a[r0 + t, i0 + c], Bs[t][c] = b[r0 + t, j0 + c]
    let ra = r0 + lid.y;
    let ia = wid.y * ${TILE}u + lid.x;
    As[lid.y][lid.x] = select(0.0, A[p[4] + ra * p[2] + ia * p[3]], ra < hi && ia < K);
    Bs[lid.y][lid.x] = select(0.0, B[p[7] + ra * p[5] + j * p[6]], ra < hi && j < N);
    workgroupBarrier();
    for (var t = 0u; t < ${TILE}u; t++) { acc += As[t][lid.y] * Bs[t][lid.x]; }
    workgroupBarrier();
  }
  if (i < K && j < N) { Z[(e * K + i) * N + j] = acc; }
}`;

// Software adapters (lavapipe: every invocation a SIMD lane of one loop, a barrier a loop split):
// the same products with no workgroup memory and no barriers, each thread a 4×4 block of one
// group's rows (row blocks enumerated per group, as the tiles above) read straight from storage.
const GMM_BLOCKED_WGSL = `${bindings(
  [
    ['X', 'f32'],
    ['W', 'f32'],
    ['OFF', 'i32'],
  ],
  [['Y', 'f32']],
)}
${FLAT_MAIN}
  // p: 0 E, 1 K, 2 N, 3–5 x layout, 6–9 w layout, 10 row blocks (with spares), 11 column blocks.
  ${FLAT_ID}
  let E = p[0]; let K = p[1]; let N = p[2];
  if (i >= p[10] * p[11]) { return; }
  var block = i / p[11];
  let c0 = (i % p[11]) * 4u;
  var e = 0u;
  var r0 = 0u;
  var rEnd = 0u;
  loop {
    if (e >= E) { return; }
    let lo = u32(OFF[e]);
    let hi = u32(OFF[e + 1u]);
    let blocks = (hi - lo + 3u) / 4u;
    if (block < blocks) { r0 = lo + block * 4u; rEnd = hi; break; }
    block -= blocks;
    e++;
  }
  var acc = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var t = 0u; t < K; t++) {
    let wt = p[9] + e * p[6] + t * p[7];
    var b = vec4<f32>(0.0);
    for (var c = 0u; c < 4u; c++) { if (c0 + c < N) { b[c] = W[wt + (c0 + c) * p[8]]; } }
    for (var r = 0u; r < 4u; r++) {
      if (r0 + r < rEnd) { acc[r] += X[p[5] + (r0 + r) * p[3] + t * p[4]] * b; }
    }
  }
  for (var r = 0u; r < 4u; r++) {
    for (var c = 0u; c < 4u; c++) {
      if (r0 + r < rEnd && c0 + c < N) { Y[(r0 + r) * N + c0 + c] = acc[r][c]; }
    }
  }
}`;

// z[e, i0…i0+3, j0…j0+3] += a[r, i]·b[r, j] over the group's rows, a thread per 4×4 block, no barriers.
const GMM_TN_BLOCKED_WGSL = `${bindings(
  [
    ['A', 'f32'],
    ['B', 'f32'],
    ['OFF', 'i32'],
  ],
  [['Z', 'f32']],
)}
${FLAT_MAIN}
  // p: 0 K, 1 N, 2–4 a layout, 5–7 b layout, 8 i blocks, 9 j blocks, 10 groups.
  ${FLAT_ID}
  let K = p[0]; let N = p[1];
  let per = p[8] * p[9];
  if (i >= p[10] * per) { return; }
  let e = i / per;
  let i0 = ((i % per) / p[9]) * 4u;
  let j0 = (i % p[9]) * 4u;
  var acc = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var r = u32(OFF[e]); r < u32(OFF[e + 1u]); r++) {
    var b = vec4<f32>(0.0);
    for (var c = 0u; c < 4u; c++) { if (j0 + c < N) { b[c] = B[p[7] + r * p[5] + (j0 + c) * p[6]]; } }
    for (var q = 0u; q < 4u; q++) {
      if (i0 + q < K) { acc[q] += A[p[4] + r * p[2] + (i0 + q) * p[3]] * b; }
    }
  }
  for (var q = 0u; q < 4u; q++) {
    for (var c = 0u; c < 4u; c++) {
      if (i0 + q < K && j0 + c < N) { Z[(e * K + i0 + q) * N + j0 + c] = acc[q][c]; }
    }
  }
}`;

export const groupedMatmulWebGPU: GpuKernel = (host, [x, w, offsets], [y]) => {
  checkF32('moe.groupedMatmul', [x, w, y]);
  const [rows, k] = x.shape;
  const [groups, , n] = w.shape;
  if (rows === 0 || n === 0) return;
  if (host.adapterClass === 'software') {
    const rowBlocks = Math.ceil(rows / 4) + groups;
    const colBlocks = Math.ceil(n / 4);
    host.launch({
      wgsl: GMM_BLOCKED_WGSL,
      reads: [x.buf, w.buf, offsets.buf],
      writes: [y.buf],
      params: [groups, k, n, ...layout(x), ...layout(w), rowBlocks, colBlocks],
      groups: grid(rowBlocks * colBlocks),
      op: 'moe.groupedMatmul',
    });
    return;
  }
  host.launch({
    wgsl: GMM_WGSL,
    reads: [x.buf, w.buf, offsets.buf],
    writes: [y.buf],
    params: [groups, k, n, ...layout(x), ...layout(w)],
    groups: [Math.ceil(n / TILE), Math.ceil(rows / TILE) + groups, 1],
    op: 'moe.groupedMatmul',
  });
};

export const groupedMatmulTNWebGPU: GpuKernel = (host, [a, b, offsets], [z]) => {
  checkF32('moe.groupedMatmulTN', [a, b, z]);
  const k = a.shape[1];
  const n = b.shape[1];
  const groups = offsets.shape[0] - 1;
  if (groups === 0 || k === 0 || n === 0) return;
  if (host.adapterClass === 'software') {
    const [ib, jb] = [Math.ceil(k / 4), Math.ceil(n / 4)];
    host.launch({
      wgsl: GMM_TN_BLOCKED_WGSL,
      reads: [a.buf, b.buf, offsets.buf],
      writes: [z.buf],
      params: [k, n, ...layout(a), ...layout(b), ib, jb, groups],
      groups: grid(groups * ib * jb),
      op: 'moe.groupedMatmulTN',
    });
    return;
  }
  host.launch({
    wgsl: GMM_TN_WGSL,
    reads: [a.buf, b.buf, offsets.buf],
    writes: [z.buf],
    params: [k, n, ...layout(a), ...layout(b)],
    groups: [Math.ceil(n / TILE), Math.ceil(k / TILE), groups],
    op: 'moe.groupedMatmulTN',
  });
};

// p[dest[t, j]] = w[t, j]·x[t]: a thread per (slot, column) after the buffer is zeroed.
const PERMUTE_WGSL = `${bindings(
  [
    ['X', 'f32'],
    ['D', 'i32'],
    ['Wt', 'f32'],
  ],
  [['P', 'f32']],
)}
${FLAT_MAIN}
  // p: 0 slots, 1 k, 2 d, 3 rows, 4–6 x layout, 7–9 dest layout, 10–12 w layout.
  ${FLAT_ID}
  let d = p[2];
  if (i >= p[0] * d) { return; }
  let s = i / d; let c = i % d; let t = s / p[1]; let j = s % p[1];
  let r = D[p[9] + t * p[7] + j * p[8]];
  if (r < 0 || u32(r) >= p[3]) { return; }
  P[u32(r) * d + c] = Wt[p[12] + t * p[10] + j * p[11]] * X[p[6] + t * p[4] + c * p[5]];
}`;

// o[t] = Σⱼ w[t, j]·y[dest[t, j]]: a thread per (token, column).
const COMBINE_WGSL = `${bindings(
  [
    ['Yb', 'f32'],
    ['D', 'i32'],
    ['Wt', 'f32'],
  ],
  [['O', 'f32']],
)}
${FLAT_MAIN}
  // p: 0 tokens, 1 k, 2 d, 3 rows, 4–6 y layout, 7–9 dest layout, 10–12 w layout.
  ${FLAT_ID}
  let d = p[2];
  if (i >= p[0] * d) { return; }
  let t = i / d; let c = i % d;
  var acc = 0.0;
  for (var j = 0u; j < p[1]; j++) {
    let r = D[p[9] + t * p[7] + j * p[8]];
    if (r < 0 || u32(r) >= p[3]) { continue; }
    acc += Wt[p[12] + t * p[10] + j * p[11]] * Yb[p[6] + u32(r) * p[4] + c * p[5]];
  }
  O[i] = acc;
}`;

// s[t, j] = a[t]·b[dest[t, j]]: a thread per slot.
const SLOT_DOTS_WGSL = `${bindings(
  [
    ['A', 'f32'],
    ['Bb', 'f32'],
    ['D', 'i32'],
  ],
  [['S', 'f32']],
)}
${FLAT_MAIN}
  // p: 0 slots, 1 k, 2 d, 3 rows, 4–6 a layout, 7–9 b layout, 10–12 dest layout.
  ${FLAT_ID}
  if (i >= p[0]) { return; }
  let t = i / p[1]; let j = i % p[1];
  let r = D[p[12] + t * p[10] + j * p[11]];
  var acc = 0.0;
  if (r >= 0 && u32(r) < p[3]) {
    for (var c = 0u; c < p[2]; c++) {
      acc += A[p[6] + t * p[4] + c * p[5]] * Bb[p[9] + u32(r) * p[7] + c * p[8]];
    }
  }
  S[i] = acc;
}`;

function launchFlat(
  host: KernelHost,
  op: string,
  wgsl: string,
  reads: readonly GpuInput[],
  out: GpuOutput,
  params: number[],
  threads: number,
): void {
  if (threads === 0) return;
  host.launch({ wgsl, reads: reads.map((t) => t.buf), writes: [out.buf], params, groups: grid(threads), op });
}

export const permuteWebGPU: GpuKernel<{ rows: number }> = (host, [x, dest, w], [p], { rows }) => {
  checkF32('moe.permute', [x, w, p]);
  const [n, d] = x.shape;
  const k = dest.shape[1];
  const bytes = rows * d * 4;
  if (bytes > 0) host.fill(p.buf, 0, bytes);
  const params = [n * k, k, d, rows, ...layout(x), ...layout(dest), ...layout(w)];
  launchFlat(host, 'moe.permute', PERMUTE_WGSL, [x, dest, w], p, params, n * k * d);
};

export const combineWebGPU: GpuKernel<{ rows: number }> = (host, [y, dest, w], [o]) => {
  checkF32('moe.combine', [y, w, o]);
  const [rows, d] = y.shape;
  const [n, k] = dest.shape;
  const params = [n, k, d, rows, ...layout(y), ...layout(dest), ...layout(w)];
  launchFlat(host, 'moe.combine', COMBINE_WGSL, [y, dest, w], o, params, n * d);
};

export const slotDotsWebGPU: GpuKernel<{ rows: number }> = (host, [a, b, dest], [s]) => {
  checkF32('moe.slotDots', [a, b, s]);
  const [n, d] = a.shape;
  const k = dest.shape[1];
  const params = [n * k, k, d, b.shape[0], ...layout(a), ...layout(b), ...layout(dest)];
  launchFlat(host, 'moe.slotDots', SLOT_DOTS_WGSL, [a, b, dest], s, params, n * k);
};
