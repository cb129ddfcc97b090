import { type CoreOpTable, TesseraError } from '@tessera/core';
import { computeType, gpuBufferBytes, loadAs, storageType, storeAs } from '../wgsl/dtype.js';
import { broadcastTo, coalesce } from './layout.js';
import { bindings, type GpuInput, type GpuKernel, type GpuOutput, type KernelHost } from './types.js';

/**
 * Batched C[b] = A[b]·B[b] (C: M×N, A: M×K, B: K×N, Cᵢⱼ = Σₖ Aᵢₖ·Bₖⱼ) with NumPy batch broadcasting.
 *
 * Three kernels, chosen per adapter and shape:
 * - 'vec4' (software adapters, f32, N and K multiples of 4, row-major operands): each thread holds
 *   TM rows × TN vec4s of C in registers and streams A and B as vec4 straight from storage, with no
 *   workgroup memory and no barriers. On lavapipe every invocation is a SIMD lane of an LLVM loop, so
 *   barriers cost a full loop split; register blocking, and sharing A's loads across a subgroup, pay.
 * - 'tiled' (real GPUs): a 64×64 C tile per 16×16 workgroup, A and B staged through workgroup memory in
 *   K-steps of 16, each thread accumulating a 4×4 block. Any strides, any shape, f32, i32 or f16.
 * - 'blocked' (software adapters otherwise): the vec4 kernel's scalar twin, 4×4 per thread, any strides.
 * f16 loads widen to f32 and the f32 sums round once on store.
 */

interface Layout {
  m: number;
  n: number;
  k: number;
  batch: number[];
  aBatch: number[];
  bBatch: number[];
  nBatch: number;
}

function layoutOf(a: GpuInput, b: GpuInput, out: GpuOutput): Layout {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchShape = out.shape.slice(0, -2);
  const view = (x: GpuInput) => ({ shape: x.shape.slice(0, -2), strides: x.strides.slice(0, -2), offset: 0 });
  const merged = coalesce(batchShape, [broadcastTo(view(a), batchShape), broadcastTo(view(b), batchShape)]);
  return {
    m: a.shape[ra - 2],
    k: a.shape[ra - 1],
    n: b.shape[rb - 1],
    batch: merged.shape,
    aBatch: merged.strides[0],
    bBatch: merged.strides[1],
    nBatch: batchShape.reduce((x, y) => x * y, 1),
  };
}

/** WGSL that sets aB and bB (element offsets) for batch z (a WGSL expression) from params starting at `at`. */
function batchOffsets(rank: number, at: number, zExpr = 'gid.z'): string {
  const lines = [
    `  var z = ${zExpr};`,
    `  var aB = bitcast<i32>(p[${at}u]);`,
    `  var bB = bitcast<i32>(p[${at + 1}u]);`,
  ];
  for (let d = rank - 1; d >= 0; d--) {
    const dim = `p[${at + 2 + d}u]`;
    lines.push(
      `  let z${d} = i32(z % ${dim});`,
      `  z = z / ${dim};`,
      `  aB += z${d} * bitcast<i32>(p[${at + 2 + rank + d}u]);`,
      `  bB += z${d} * bitcast<i32>(p[${at + 2 + 2 * rank + d}u]);`,
    );
  }
  return lines.join('\n');
}

function batchParams(a: GpuInput, b: GpuInput, l: Layout): number[] {
  return [a.offset, b.offset, ...l.batch, ...l.aBatch, ...l.bBatch];
}

function checkBatches(l: Layout): void {
  if (l.nBatch > 65535) {
    throw new TesseraError('matmul', `${l.nBatch} batches exceed WebGPU's 65,535 workgroups per dimension`);
  }
}

/** Shape of the vec4 kernel's work: TM rows × TN vec4 columns of C per thread, WG threads per workgroup. */
export interface Vec4Config {
  tm: number;
  tn: number;
  wg: number;
}

/**
 * `bench:webgpu:tune`'s pick on lavapipe at 1024³ (8-lane subgroups): 8 rows × one vec4 per thread, so
 * one A load per subgroup feeds all 8 rows, and 32 accumulators fill AVX-512's 32 vector registers.
 */
export const VEC4_SUBGROUP: Vec4Config = { tm: 8, tn: 1, wg: 64 };
/** Without subgroups every thread loads its own rows of A, and 4×8 outputs per thread balance the loads. */
export const VEC4_DEFAULT: Vec4Config = { tm: 4, tn: 2, wg: 64 };

/**
 * Register-blocked f32 kernel on vec4 loads, no workgroup memory: TM rows × TN·4 columns per thread.
 *
 * A workgroup is one row of threads: all of it shares the same TM rows of C (from workgroup_id) and each
 * thread takes its own TN vec4 columns. On lavapipe every load inside a loop is a per-lane loop with
 * bounds checks, whatever its address, so loads cost far more than the FMAs. Where the subgroup is at
 * least TM lanes wide, lane r loads row r's vec4 of A and subgroupBroadcast hands it to the others (a
 * register shuffle on lavapipe): one A load per k-step instead of TM. No thread returns early, because
 * every lane of the subgroup takes part in the broadcast; out-of-range rows and columns are clamped for
 * the loads and skipped at the stores.
 */
function vec4Kernel(
  host: KernelHost,
  a: GpuInput,
  b: GpuInput,
  out: GpuOutput,
  l: Layout,
  cfg: Vec4Config,
): void {
  const { tm, tn, wg } = cfg;
  const shareA = (host.subgroupSize ?? 0) >= tm;
  const rank = l.batch.length;
  // params: M, N4, K4, then batch offsets (in elements; divided by 4 in the shader)
  const params = [l.m, l.n / 4, l.k / 4, ...batchParams(a, b, l)];
  const R = Array.from({ length: tm }, (_, r) => r);
  const C = Array.from({ length: tn }, (_, c) => c);
  const lines: string[] = [];
  if (shareA) lines.push(`  let aLane = aBase + min(row0 + min(lane, ${tm - 1}u), M - 1u) * K4;`);
  else for (const r of R) lines.push(`  let ar${r} = aBase + min(row0 + ${r}u, M - 1u) * K4;`);
  for (const c of C) lines.push(`  let bc${c} = bBase + min(col0 + ${c}u, N4 - 1u);`);
  for (const r of R) for (const c of C) lines.push(`  var acc${r}_${c} = vec4<f32>();`);
  lines.push('  for (var k = 0u; k < K4; k++) {');
  if (shareA) lines.push('    let aShared = in0[aLane + k];');
  for (const c of C) {
    for (let j = 0; j < 4; j++) lines.push(`    let b${c}_${j} = in1[bc${c} + (4u * k + ${j}u) * N4];`);
  }
  for (const r of R) {
    lines.push(
      shareA ? `    let a${r} = subgroupBroadcast(aShared, ${r}u);` : `    let a${r} = in0[ar${r} + k];`,
    );
    for (const c of C) {
      lines.push(
        `    acc${r}_${c} = fma(vec4<f32>(a${r}.x), b${c}_0, fma(vec4<f32>(a${r}.y), b${c}_1, fma(vec4<f32>(a${r}.z), b${c}_2, fma(vec4<f32>(a${r}.w), b${c}_3, acc${r}_${c}))));`,
      );
    }
  }
  lines.push('  }');
  for (const r of R) {
    for (const c of C) {
      lines.push(
        `  if (row0 + ${r}u < M && col0 + ${c}u < N4) { out[cBase + (row0 + ${r}u) * N4 + col0 + ${c}u] = acc${r}_${c}; }`,
      );
    }
  }
  const wgsl = `// matmul vec4 ${tm}x${tn} wg ${wg}${shareA ? ' subgroup' : ''} rank=${rank}
${shareA ? 'enable subgroups;\n' : ''}${bindings(['vec4<f32>', 'vec4<f32>'], ['vec4<f32>'])}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>${
    shareA ? ', @builtin(subgroup_invocation_id) lane: u32' : ''
  }) {
  let M = p[0u];
  let N4 = p[1u];
  let K4 = p[2u];
  let col0 = (wid.x * ${wg}u + lid.x) * ${tn}u;
  let row0 = wid.y * ${tm}u;
${batchOffsets(rank, 3, 'wid.z')}
  let cBase = wid.z * M * N4;
  let aBase = u32(aB) / 4u;
  let bBase = u32(bB) / 4u;
${lines.join('\n')}
}
`;
  const groups: [number, number, number] = [Math.ceil(l.n / 4 / tn / wg), Math.ceil(l.m / tm), l.nBatch];
  host.launch({ op: 'matmul', wgsl, reads: [a.buf, b.buf], writes: [out.buf], params, groups });
}

function stridedParams(a: GpuInput, b: GpuInput, l: Layout): number[] {
  const ra = a.shape.length;
  const rb = b.shape.length;
  return [
    l.m,
    l.n,
    l.k,
    a.strides[ra - 2],
    a.strides[ra - 1],
    b.strides[rb - 2],
    b.strides[rb - 1],
    ...batchParams(a, b, l),
  ];
}

const STRIDED_HEADER = `  let M = p[0u];
  let N = p[1u];
  let K = p[2u];
  let sAm = bitcast<i32>(p[3u]);
  let sAk = bitcast<i32>(p[4u]);
  let sBk = bitcast<i32>(p[5u]);
  let sBn = bitcast<i32>(p[6u]);`;

/** 4×4 outputs per thread, scalar loads through arbitrary strides, no workgroup memory. */
function blockedKernel(host: KernelHost, a: GpuInput, b: GpuInput, out: GpuOutput, l: Layout): void {
  const st = storageType(out.dtype);
  const t = computeType(out.dtype);
  const rank = l.batch.length;
  const zero = t === 'f32' ? '0.0' : '0';
  const wgsl = `// matmul blocked rank=${rank}
${bindings([st, st], [st])}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
${STRIDED_HEADER}
  let col0 = gid.x * 4u;
  let row0 = gid.y * 4u;
  if (col0 >= N || row0 >= M) { return; }
${batchOffsets(rank, 7)}
  var acc: array<array<${t}, 4>, 4>;
  for (var r = 0u; r < 4u; r++) { for (var c = 0u; c < 4u; c++) { acc[r][c] = ${zero}; } }
  var ar: array<i32, 4>;
  var bc: array<i32, 4>;
  for (var r = 0u; r < 4u; r++) { ar[r] = aB + i32(min(row0 + r, M - 1u)) * sAm; }
  for (var c = 0u; c < 4u; c++) { bc[c] = bB + i32(min(col0 + c, N - 1u)) * sBn; }
  for (var k = 0u; k < K; k++) {
    let ik = i32(k);
    let b0 = ${loadAs(b.dtype, 'in1[u32(bc[0] + ik * sBk)]')};
    let b1 = ${loadAs(b.dtype, 'in1[u32(bc[1] + ik * sBk)]')};
    let b2 = ${loadAs(b.dtype, 'in1[u32(bc[2] + ik * sBk)]')};
    let b3 = ${loadAs(b.dtype, 'in1[u32(bc[3] + ik * sBk)]')};
    for (var r = 0u; r < 4u; r++) {
      let av = ${loadAs(a.dtype, 'in0[u32(ar[r] + ik * sAk)]')};
      acc[r][0] += av * b0;
      acc[r][1] += av * b1;
      acc[r][2] += av * b2;
      acc[r][3] += av * b3;
    }
  }
  let cBase = gid.z * M * N;
  for (var r = 0u; r < 4u; r++) {
    for (var c = 0u; c < 4u; c++) {
      if (row0 + r < M && col0 + c < N) { out[cBase + (row0 + r) * N + col0 + c] = ${storeAs(out.dtype, 'acc[r][c]')}; }
    }
  }
}
`;
  const groups: [number, number, number] = [Math.ceil(l.n / 32), Math.ceil(l.m / 32), l.nBatch];
  host.launch({
    op: 'matmul',
    wgsl,
    reads: [a.buf, b.buf],
    writes: [out.buf],
    params: stridedParams(a, b, l),
    groups,
  });
}

/** Workgroup-memory tiling for real GPUs: a 64×64 C tile per 256 threads, K in steps of 16. */
function tiledKernel(host: KernelHost, a: GpuInput, b: GpuInput, out: GpuOutput, l: Layout): void {
  const st = storageType(out.dtype);
  const t = computeType(out.dtype);
  const rank = l.batch.length;
  const zero = t === 'f32' ? '0.0' : '0';
  const wgsl = `// matmul tiled rank=${rank}
${bindings([st, st], [st])}
var<workgroup> As: array<array<${t}, 64>, 16>;
var<workgroup> Bs: array<array<${t}, 64>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>) {
${STRIDED_HEADER}
${batchOffsets(rank, 7)}
  let tileRow = wid.y * 64u;
  let tileCol = wid.x * 64u;
  let flat = lid.y * 16u + lid.x;
  var acc: array<array<${t}, 4>, 4>;
  for (var r = 0u; r < 4u; r++) { for (var c = 0u; c < 4u; c++) { acc[r][c] = ${zero}; } }
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    // Each of the 256 threads stages 4 elements of the 64×16 A tile and 4 of the 16×64 B tile.
    for (var e = 0u; e < 4u; e++) {
      let idx = flat + e * 256u;
      let am = idx / 16u;
      let ak = idx % 16u;
      let gm = tileRow + am;
      let gk = k0 + ak;
      As[ak][am] = select(${zero}, ${loadAs(a.dtype, 'in0[u32(aB + i32(min(gm, M - 1u)) * sAm + i32(min(gk, K - 1u)) * sAk)]')}, gm < M && gk < K);
      let bk = idx / 64u;
      let bn = idx % 64u;
      let hk = k0 + bk;
      let gn = tileCol + bn;
      Bs[bk][bn] = select(${zero}, ${loadAs(b.dtype, 'in1[u32(bB + i32(min(hk, K - 1u)) * sBk + i32(min(gn, N - 1u)) * sBn)]')}, hk < K && gn < N);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var av: array<${t}, 4>;
      var bv: array<${t}, 4>;
      for (var r = 0u; r < 4u; r++) { av[r] = As[kk][lid.y * 4u + r]; }
      for (var c = 0u; c < 4u; c++) { bv[c] = Bs[kk][lid.x * 4u + c]; }
      for (var r = 0u; r < 4u; r++) { for (var c = 0u; c < 4u; c++) { acc[r][c] += av[r] * bv[c]; } }
    }
    workgroupBarrier();
  }
  let cBase = gid.z * M * N;
  for (var r = 0u; r < 4u; r++) {
    for (var c = 0u; c < 4u; c++) {
      let row = tileRow + lid.y * 4u + r;
      let col = tileCol + lid.x * 4u + c;
      if (row < M && col < N) { out[cBase + row * N + col] = ${storeAs(out.dtype, 'acc[r][c]')}; }
    }
  }
}
`;
  const groups: [number, number, number] = [Math.ceil(l.n / 64), Math.ceil(l.m / 64), l.nBatch];
  host.launch({
    op: 'matmul',
    wgsl,
    reads: [a.buf, b.buf],
    writes: [out.buf],
    params: stridedParams(a, b, l),
    groups,
  });
}

/** Whether the vec4 kernel can read x: row-major matrices, every offset a multiple of 4. */
function vec4Ready(x: GpuInput, batchStrides: readonly number[], cols: number): boolean {
  const r = x.shape.length;
  return (
    x.strides[r - 1] === 1 &&
    (x.strides[r - 2] === cols || x.shape[r - 2] === 1) &&
    x.offset % 4 === 0 &&
    batchStrides.every((s) => s % 4 === 0)
  );
}

export type MatmulVariant = 'vec4' | 'blocked' | 'tiled';

/** The vec4 kernel's shape on this host: the tuning override, else the default for its subgroups. */
function vec4Config(host: KernelHost): Vec4Config {
  return host.tuning?.vec4 ?? ((host.subgroupSize ?? 0) >= VEC4_SUBGROUP.tm ? VEC4_SUBGROUP : VEC4_DEFAULT);
}

/** The kernel a call would use, exported for tests and the bench. */
export function chooseMatmul(host: KernelHost, a: GpuInput, b: GpuInput, out: GpuOutput): MatmulVariant {
  const l = layoutOf(a, b, out);
  if (host.adapterClass === 'gpu') return 'tiled';
  const aligned =
    out.dtype === 'f32' &&
    l.n % 4 === 0 &&
    l.k % 4 === 0 &&
    vec4Ready(a, l.aBatch, l.k) &&
    vec4Ready(b, l.bBatch, l.n);
  // One workgroup row per TM rows of C: very tall products take the blocked kernel's 32-row workgroups.
  const fits = Math.ceil(l.m / vec4Config(host).tm) <= host.limits.maxComputeWorkgroupsPerDimension;
  return aligned && fits ? 'vec4' : 'blocked';
}

export function matmulKernels(): CoreOpTable<GpuKernel> {
  const matmul: GpuKernel = (host, [a, b], [out]) => {
    const l = layoutOf(a, b, out);
    if (l.m === 0 || l.n === 0 || l.nBatch === 0) return;
    checkBatches(l);
    if (l.k === 0) {
      // An empty sum: C = 0. Outputs are written by every kernel, so write the zeros explicitly.
      host.fill(out.buf, 0, gpuBufferBytes(out.dtype, l.nBatch * l.m * l.n));
      return;
    }
    const variant = chooseMatmul(host, a, b, out);
    if (variant === 'vec4') vec4Kernel(host, a, b, out, l, vec4Config(host));
    else if (variant === 'tiled') tiledKernel(host, a, b, out, l);
    else blockedKernel(host, a, b, out, l);
  };
  return { matmul };
}
