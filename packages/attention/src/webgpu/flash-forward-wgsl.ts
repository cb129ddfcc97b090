import {
  bindings,
  type GpuInput,
  type GpuOutput,
  type KernelHost,
  loadAs,
  storageType,
  storeAs,
} from '@tessera/webgpu/kernel';
import type { FlashAttrs } from '../flash-attrs.js';
import {
  COMMON_WGSL,
  checkGpuSupport,
  headerWords,
  KEY_RANGES_WGSL,
  keyRangesBuffer,
  maskExpr,
  maskType,
  maskWords,
  QUERY_HEAD_WGSL,
  stridedWords,
  tiles,
  vecType,
} from './flash-common-wgsl.js';

/**
 * FlashAttention-2 forward in WGSL. Each thread owns one query row i: its scaled query row, the
 * running max m, the running sum l and the unnormalized output O stay in registers while the keys
 * stream past in blocks of BK. For each key block with scores S = Q Kᵀ·scale (+ mask):
 *   m' = max(m, rowmax(S))
 *   l' = e^(m−m')·l + rowsum(e^(S−m'))
 *   O' = e^(m−m')·O + e^(S−m')·V
 * and once at the end O ← O / l, L = m + log l. Rows that see no key (l = 0) write O = 0 and
 * L = −∞. Causal: query i sees keys j ≤ i + (sk − sq), so the workgroup stops at the last key its
 * last row sees (whole key blocks beyond the diagonal are skipped) and rows check j per element.
 * Packed sequences (cuSeqlens): row i sees keys [lo_i, hi_i) from `keyRangesBuffer`; a workgroup walks
 * [lo of its first row, hi of its last row) and rows check j against their own range.
 * Grouped-query: head h reads kv head ⌊h·hk/h⌋ through the strides, never copied.
 *
 * Two kernels, chosen per adapter (see `chooseFlashForward`):
 * - 'tiled' (real GPUs): one workgroup per (batch·head, block of BQ rows), the K/V block loaded
 *   cooperatively into workgroup-shared tiles between barriers.
 * - 'lockstep' (software adapters): no workgroup memory and no barriers. All rows of a workgroup
 *   belong to one head and walk the same keys in the same order, so every K/V address is uniform
 *   across the workgroup, where a cooperative tile would cost a loop split per barrier on lavapipe.
 * - 'subgroup' (software adapters with subgroups of at least 8 lanes): the lockstep kernel with its
 *   K/V loads shared across the subgroup. Lavapipe never turns a load inside a loop into one scalar
 *   load and a broadcast, even at a uniform address: each is a per-lane loop with bounds checks, and
 *   the loads set the pace. So lane l loads element g of key l of each group of 8 keys and
 *   subgroupBroadcast (a register shuffle there) hands it to the other lanes: one load per 8 keys,
 *   and each thread owns up to 4 query rows, so each shuffled value feeds 4 rows.
 *
 * f16 q, k, v (and additive mask) are read as f16 and widened on load; scores, m, l and the output
 * accumulator stay f32, and O is rounded to f16 once, when stored. L is f32 either way.
 *
 * Inputs q, k, v (, mask); outputs O [b, h, sq, dv] and L [b, h, sq], both row-major.
 */
export function flashForwardWebGPU(
  host: KernelHost,
  inputs: readonly GpuInput[],
  outputs: readonly GpuOutput[],
  attrs: FlashAttrs,
): void {
  const op = 'attention.flash (webgpu)';
  checkGpuSupport(op, inputs, attrs);
  const [q, k, v, mask] = inputs;
  const [o, lse] = outputs;
  const [b, h, sq] = q.shape;
  const [, hk, sk] = k.shape;
  if (b * h * sq === 0) return;
  // params: 0 b, 1 h, 2 hk, 3 sq, 4 sk, 5 scale, 6 causal, 8 q, 13 k, 18 v, 23 mask (strides, offset),
  // then the variant's own words from 28
  const params = [
    ...headerWords([b, h, hk, sq, sk], attrs),
    ...stridedWords(q),
    ...stridedWords(k),
    ...stridedWords(v),
    ...(mask ? maskWords(mask) : [0, 0, 0, 0, 0]),
  ];
  const reads: [string, string][] = [
    ['qIn', storageType(q.dtype)],
    ['kIn', storageType(k.dtype)],
    ['vIn', storageType(v.dtype)],
  ];
  if (mask) reads.push(['maskIn', maskType(mask)]);
  // Packed sequences: each row's key range [lo, hi) comes from a small i32 buffer.
  const ranges = attrs.cuSeqlens ? keyRangesBuffer(host, sq, attrs, op) : undefined;
  if (ranges) reads.push(['rangeIn', 'i32']);
  const writes: [string, string][] = [
    ['oOut', storageType(o.dtype)],
    ['lOut', storageType(lse.dtype)],
  ];
  const variant = chooseFlashForward(host);
  const {
    wgsl,
    rows,
    extra = [],
  } = variant === 'tiled'
    ? tiledForward(host, inputs, o, attrs, bindings(reads, writes))
    : variant === 'subgroup'
      ? subgroupForward(inputs, o, attrs, reads, writes)
      : lockstepForward(inputs, o, attrs, reads, writes);
  host.launch({
    wgsl,
    reads: [q.buf, k.buf, v.buf, ...(mask ? [mask.buf] : []), ...(ranges ? [ranges] : [])],
    writes: [o.buf, lse.buf],
    params: [...params, ...extra],
    groups: [Math.ceil(sq / rows), b * h, 1],
    op,
  });
}

export type FlashForwardVariant = 'tiled' | 'lockstep' | 'subgroup';

/** Lanes that share K/V loads in the 'subgroup' kernel (lavapipe's subgroup width). */
const SHARE = 8;

/**
 * The forward kernel a call would use: workgroup tiles on real GPUs; on software adapters lockstep
 * rows, with K/V loads shared across subgroups where the device has subgroups of at least 8 lanes.
 */
export function chooseFlashForward(
  host: Pick<KernelHost, 'adapterClass' | 'subgroupSize'>,
): FlashForwardVariant {
  if (host.adapterClass === 'gpu') return 'tiled';
  return (host.subgroupSize ?? 0) >= SHARE ? 'subgroup' : 'lockstep';
}

/** The 'tiled' kernel: BQ rows per workgroup (one thread each), K/V blocks of BK rows in workgroup memory. */
function tiledForward(
  host: KernelHost,
  [q, k, v, mask]: readonly GpuInput[],
  o: GpuOutput,
  attrs: FlashAttrs,
  bound: string,
): { wgsl: string; rows: number; extra?: number[] } {
  const d = q.shape[3];
  const dv = v.shape[3];
  const { bq, bk } = tiles(host, attrs, (_bq, bk) => bk * (d + dv));
  const varlen = attrs.cuSeqlens !== null;
  // Row i sees keys [rowLo, rowHi); the workgroup walks [blockLo, blockHi), its first row's lo to its last row's hi.
  const visible = varlen
    ? `let rowLo = keyLo(min(i, SQ - 1u));
  let rowHi = keyHi(min(i, SQ - 1u));
  let blockLo = keyLo(q0);
  let blockHi = keyHi(min(q0 + BQ, SQ) - 1u);`
    : `// Causal, bottom-right aligned: row i sees keys j < i + (sk − sq) + 1.
  let shift = i32(SK) - i32(SQ);
  var rowHi = SK;
  var blockHi = SK;
  if (causal) {
    rowHi = u32(clamp(i32(i) + shift + 1, 0, i32(SK)));
    blockHi = u32(clamp(i32(min(q0 + BQ, SQ)) - 1 + shift + 1, 0, i32(SK)));
  }`;
  const wgsl = `${bound}
${COMMON_WGSL}${varlen ? `\n${KEY_RANGES_WGSL}` : ''}
const BQ: u32 = ${bq}u;
const BK: u32 = ${bk}u;
const D: u32 = ${d}u;
const DV: u32 = ${dv}u;
var<workgroup> kt: array<f32, ${Math.max(1, bk * d)}>;
var<workgroup> vt: array<f32, ${Math.max(1, bk * dv)}>;

@compute @workgroup_size(${bq})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
${QUERY_HEAD_WGSL}
  let q0 = wid.x * BQ;
  let i = q0 + t;
  let valid = i < SQ;
  ${visible}
  var qr: array<f32, D>;
  var acc: array<f32, DV>;
  if (valid) {
    for (var c = 0u; c < D; c++) { qr[c] = ${loadAs(q.dtype, 'qIn[at4(8u, bi, hi, i, c)]')} * scale; }
  }
  for (var c = 0u; c < DV; c++) { acc[c] = 0.0; }
  var m = NEG;
  var l = 0.0;
  for (var kb = ${varlen ? 'blockLo' : '0u'}; kb < blockHi; kb += BK) {
    workgroupBarrier(); // everyone is done with the previous tile
    for (var e = t; e < BK * D; e += BQ) {
      let j = kb + e / D;
      kt[e] = select(0.0, ${loadAs(k.dtype, 'kIn[at4(13u, bi, kh, min(j, SK - 1u), e % D)]')}, j < SK);
    }
    for (var e = t; e < BK * DV; e += BQ) {
      let j = kb + e / DV;
      vt[e] = select(0.0, ${loadAs(v.dtype, 'vIn[at4(18u, bi, kh, min(j, SK - 1u), e % DV)]')}, j < SK);
    }
    workgroupBarrier();
    if (valid) {
      // S for this tile, and its row max.
      var s: array<f32, BK>;
      var mx = m;
      for (var r = 0u; r < BK; r++) {
        let j = kb + r;
        var x = NEG;
        if (${varlen ? 'j >= rowLo && ' : ''}j < rowHi) {
          x = 0.0;
          for (var c = 0u; c < D; c++) { x += qr[c] * kt[r * D + c]; }
          ${maskExpr(mask, 'maskIn', 23)}
        }
        s[r] = x;
        mx = max(mx, x);
      }
      if (mx > NEG) {
        // Rescale the running sum and output once per tile, then add this tile's e^(S−m').
        let corr = exp(m - mx);
        l *= corr;
        for (var c = 0u; c < DV; c++) { acc[c] *= corr; }
        for (var r = 0u; r < BK; r++) {
          let pr = select(exp(s[r] - mx), 0.0, s[r] <= NEG);
          l += pr;
          for (var c = 0u; c < DV; c++) { acc[c] += pr * vt[r * DV + c]; }
        }
        m = mx;
      }
    }
  }
  if (valid) {
    let row = wid.y * SQ + i;
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var c = 0u; c < DV; c++) { oOut[row * DV + c] = ${storeAs(o.dtype, 'acc[c] * inv')}; }
    lOut[row] = select(NEG_INF(), m + log(l), l > 0.0);
  }
}`;
  return { wgsl, rows: bq };
}

const range = (n: number) => Array.from({ length: n }, (_, x) => x);

/** The read bindings with K and V as arrays of w-element rows of their storage type. */
function kvBound(
  reads: readonly [string, string][],
  k: GpuInput,
  v: GpuInput,
  w: number,
): [string, string][] {
  return reads.map(([name, t]) => [
    name,
    name === 'kIn' ? vecType(k, w) : name === 'vIn' ? vecType(v, w) : t,
  ]);
}

/** Whether x can be read as vec4 rows: unit last stride, every other stride and the offset multiples of 4. */
function vec4Rows(x: GpuInput): boolean {
  return (
    x.shape[3] % 4 === 0 &&
    x.strides[3] === 1 &&
    [...x.strides.slice(0, 3), x.offset].every((s) => s % 4 === 0)
  );
}

/**
 * The 'lockstep' kernel: WG rows per workgroup (one thread each), keys in blocks of BK read straight
 * from storage. Every K/V index depends only on the workgroup, the uniform params and the key j, never
 * on the thread; out-of-range keys are clamped to the last one and dropped by the score check, so no
 * branch depends on the thread either. The query row and the output accumulator sit in private
 * arrays of W-float elements (W = 4 when K and V rows can be read as vec4, else 1) and are touched
 * once per key block; the BK scores are named variables (the code over a block's keys is unrolled
 * at generation time), so the values live across the column loops are BK scores and one element.
 * Keeping that set small is what keeps a software adapter's compiler fast and its registers unspilled.
 */
function lockstepForward(
  [q, k, v, mask]: readonly GpuInput[],
  o: GpuOutput,
  attrs: FlashAttrs,
  reads: readonly [string, string][],
  writes: readonly [string, string][],
): { wgsl: string; rows: number; extra: number[] } {
  const d = q.shape[3];
  const dv = v.shape[3];
  const wg = Math.max(1, Math.min(attrs.blockQ, 64));
  const bk = Math.max(1, Math.min(attrs.blockK, 16));
  const w = vec4Rows(k) && vec4Rows(v) ? 4 : 1;
  const type = w === 4 ? 'vec4<f32>' : 'f32';
  const nq = d / w;
  const nv = dv / w;
  const R = range(bk);
  // K and V are bound as arrays of w-element rows, so their bases and strides are in units of w elements.
  const bound = bindings(kvBound(reads, k, v, w), writes);
  const unit = w === 4 ? ' / 4' : '';
  const qAt = (c: string) => loadAs(q.dtype, `qIn[u32(qa + i32(${c}) * qC)]`);
  const qLoad =
    w === 4
      ? `vec4<f32>(${range(4)
          .map((c) => qAt(`g * 4u + ${c}u`))
          .join(', ')})`
      : qAt('g');
  const kAt = (r: number) =>
    loadAs(k.dtype, w === 4 ? `kIn[u32(kr${r} + i32(g))]` : `kIn[u32(kr${r} + i32(g) * kC)]`, w);
  const vAt = (r: number) =>
    loadAs(v.dtype, w === 4 ? `vIn[u32(vr${r} + i32(g))]` : `vIn[u32(vr${r} + i32(g) * vC)]`, w);
  const prod = (a: string, b: string) => (w === 4 ? `dot(${a}, ${b})` : `${a} * ${b}`);
  const oStore =
    w === 4
      ? range(4)
          .map((c) => `oOut[row * DV + g * 4u + ${c}u] = ${storeAs(o.dtype, `acc[g].${'xyzw'[c]} * inv`)};`)
          .join(' ')
      : `oOut[row * DV + g] = ${storeAs(o.dtype, 'acc[g] * inv')};`;
  const each = (f: (r: number) => string, indent = '    ') => R.map((r) => indent + f(r)).join('\n');
  const varlen = attrs.cuSeqlens !== null;
  const visible = varlen
    ? `let rowLo = keyLo(i);
  let rowHi = keyHi(i);
  let blockLo = keyLo(q0);
  let blockHi = keyHi(min(q0 + WG, SQ) - 1u);`
    : `let shift = i32(SK) - i32(SQ);
  var rowHi = SK;
  var blockHi = SK;
  if (causal) {
    rowHi = u32(clamp(i32(i) + shift + 1, 0, i32(SK)));
    blockHi = u32(clamp(i32(min(q0 + WG, SQ)) - 1 + shift + 1, 0, i32(SK)));
  }`;
  const seen = (r: number) => (varlen ? `kb + ${r}u >= rowLo && kb + ${r}u < rowHi` : `kb + ${r}u < rowHi`);
  const wgsl = `${bound}
${COMMON_WGSL}${varlen ? `\n${KEY_RANGES_WGSL}` : ''}
const WG: u32 = ${wg}u;
const BK: u32 = ${bk}u;
const DV: u32 = ${dv}u;

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
${QUERY_HEAD_WGSL}
  let q0 = wid.x * WG;
  // Threads past the last row compute row SQ − 1 (every read stays in range) and write nothing.
  let valid = q0 + t < SQ;
  let i = min(q0 + t, SQ - 1u);
  ${visible}
  // Uniform bases and strides of this head's K and V rows, in units of the bound element.
  let kBase = (pi(17u) + i32(bi) * pi(13u) + i32(kh) * pi(14u))${unit};
  let kS = pi(15u)${unit}; let kC = pi(16u);
  let vBase = (pi(22u) + i32(bi) * pi(18u) + i32(kh) * pi(19u))${unit};
  let vS = pi(20u)${unit}; let vC = pi(21u);
  let qa = i32(at4(8u, bi, hi, i, 0u)); let qC = pi(11u);
  // The column loops' bounds come from the params, not constants, so that the shader compiler keeps
  // them as loops instead of unrolling them back into one long-lived value per column.
  let NQ = p[28]; let NV = p[29];
  var qr: array<${type}, ${nq}>;
  var acc: array<${type}, ${nv}>;
  for (var g = 0u; g < NQ; g++) { qr[g] = ${qLoad} * scale; }
  for (var g = 0u; g < NV; g++) { acc[g] = ${type}(0.0); }
  var m = NEG;
  var l = 0.0;
  for (var kb = ${varlen ? 'blockLo' : '0u'}; kb < blockHi; kb += BK) {
${each((r) => `let j${r} = min(kb + ${r}u, SK - 1u); let kr${r} = kBase + i32(j${r}) * kS; let vr${r} = vBase + i32(j${r}) * vS;`)}
${each((r) => `var s${r} = 0.0;`)}
    for (var g = 0u; g < NQ; g++) {
      let qg = qr[g];
${each((r) => `s${r} += ${prod('qg', kAt(r))};`, '      ')}
    }
    var mx = m;
${each((r) => `{ let j = j${r}; var x = s${r}; ${maskExpr(mask, 'maskIn', 23)} s${r} = select(NEG, x, ${seen(r)}); mx = max(mx, s${r}); }`)}
    // Rescale once per block, then add the block's e^(S−m'). A row that has seen only masked keys
    // keeps m = NEG, so corr = 1 and every p = 0: no branch needed.
    let corr = exp(m - mx);
${each((r) => `let p${r} = select(exp(s${r} - mx), 0.0, s${r} <= NEG);`)}
    l = l * corr + ${R.map((r) => `p${r}`).join(' + ')};
    for (var g = 0u; g < NV; g++) {
      var a = acc[g] * corr;
${each((r) => `a += p${r} * ${vAt(r)};`, '      ')}
      acc[g] = a;
    }
    m = mx;
  }
  if (valid) {
    let row = wid.y * SQ + i;
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var g = 0u; g < NV; g++) { ${oStore} }
    lOut[row] = select(NEG_INF(), m + log(l), l > 0.0);
  }
}`;
  return { wgsl, rows: wg, extra: [nq, nv] };
}

/**
 * The 'subgroup' kernel: the lockstep kernel with its K/V loads shared across each subgroup, and U
 * query rows per thread (rows q0 + u·WG + t; U = 4 once there are 32 rows) so that every broadcast
 * value feeds U rows. Keys come in blocks of BK = 8·NB ≤ 32; for each column g, lane l loads element g
 * of key kb + 8b + l (clamped, like j) for each group b, and subgroupBroadcast(·, r) gives every lane
 * key kb + 8b + r's element: NB loads per column where the plain kernel makes BK, for U rows where it
 * serves one. Any head dim works (W = 1 broadcasts floats). Every lane reaches every broadcast: no
 * thread returns or branches around them (rows past the end are clamped and not written), and lanes
 * 0..7 exist in every subgroup since WG is a multiple of 8 and the subgroup is at least 8 wide.
 * WG = blockQ / U rounded up to a multiple of 8 (at most 64); on lavapipe at head dim 64, U = 4 with
 * BK = 32 ran about 1.5× faster than U = 1, and BK = 32 about 15% faster than 16 (48 or 64: slower).
 */
function subgroupForward(
  [q, k, v, mask]: readonly GpuInput[],
  o: GpuOutput,
  attrs: FlashAttrs,
  reads: readonly [string, string][],
  writes: readonly [string, string][],
): { wgsl: string; rows: number; extra: number[] } {
  const d = q.shape[3];
  const dv = v.shape[3];
  const sq = q.shape[2];
  // Rows per thread: 4 (each broadcast feeds 4 rows) unless there are too few rows to fill a subgroup.
  const nu = sq >= 4 * SHARE ? 4 : sq >= 2 * SHARE ? 2 : 1;
  const wg = Math.ceil(Math.max(1, Math.min(Math.ceil(attrs.blockQ / nu), 64)) / SHARE) * SHARE;
  const bk = Math.min(Math.ceil(attrs.blockK / SHARE) * SHARE, 4 * SHARE);
  const w = vec4Rows(k) && vec4Rows(v) ? 4 : 1;
  const type = w === 4 ? 'vec4<f32>' : 'f32';
  const nq = d / w;
  const nv = dv / w;
  const R = range(bk);
  const U = range(nu);
  const B = range(bk / SHARE);
  const bound = bindings(kvBound(reads, k, v, w), writes);
  const unit = w === 4 ? ' / 4' : '';
  const qAt = (u: number, c: string) => loadAs(q.dtype, `qIn[u32(qa${u} + i32(${c}) * qC)]`);
  const qLoad = (u: number) =>
    w === 4
      ? `vec4<f32>(${range(4)
          .map((c) => qAt(u, `g * 4u + ${c}u`))
          .join(', ')})`
      : qAt(u, 'g');
  // f16 K/V are widened before the broadcast: the shuffled values are f32, as in the f32 kernel.
  const kAt = (row: string) =>
    loadAs(k.dtype, w === 4 ? `kIn[u32(${row} + i32(g))]` : `kIn[u32(${row} + i32(g) * kC)]`, w);
  const vAt = (row: string) =>
    loadAs(v.dtype, w === 4 ? `vIn[u32(${row} + i32(g))]` : `vIn[u32(${row} + i32(g) * vC)]`, w);
  const prod = (a: string, b: string) => (w === 4 ? `dot(${a}, ${b})` : `${a} * ${b}`);
  const oStore = (u: number) =>
    w === 4
      ? range(4)
          .map(
            (c) => `oOut[row * DV + g * 4u + ${c}u] = ${storeAs(o.dtype, `acc${u}[g].${'xyzw'[c]} * inv`)};`,
          )
          .join(' ')
      : `oOut[row * DV + g] = ${storeAs(o.dtype, `acc${u}[g] * inv`)};`;
  const lines = <T>(xs: T[], f: (x: T) => string, indent = '    ') => xs.map((x) => indent + f(x)).join('\n');
  const perRow = (f: (u: number) => string, indent = '  ') => lines(U, f, indent);
  const varlen = attrs.cuSeqlens !== null;
  const seen = (u: number, r: number) =>
    varlen ? `kb + ${r}u >= rowLo${u} && kb + ${r}u < rowHi${u}` : `kb + ${r}u < rowHi${u}`;
  const wgsl = `enable subgroups;
${bound}
${COMMON_WGSL}${varlen ? `\n${KEY_RANGES_WGSL}` : ''}
const WG: u32 = ${wg}u;
const BK: u32 = ${bk}u;
const DV: u32 = ${dv}u;

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
${QUERY_HEAD_WGSL}
  let q0 = wid.x * WG * ${nu}u;
  let l8 = lane % ${SHARE}u; // the key of each group of 8 this lane loads
${
  varlen
    ? `  // The workgroup's rows see keys from its first row's lo to its last row's hi (both never decrease).
  let blockLo = keyLo(q0);
  let blockHi = keyHi(min(q0 + WG * ${nu}u, SQ) - 1u);`
    : `  let shift = i32(SK) - i32(SQ);
  var blockHi = SK;
  if (causal) { blockHi = u32(clamp(i32(min(q0 + WG * ${nu}u, SQ)) - 1 + shift + 1, 0, i32(SK))); }`
}
  // Threads past the last row compute row SQ − 1 (every read stays in range) and write nothing.
${perRow(
  (u) => `let valid${u} = q0 + ${u}u * WG + t < SQ;
  let i${u} = min(q0 + ${u}u * WG + t, SQ - 1u);
  ${
    varlen
      ? `let rowLo${u} = keyLo(i${u});
  let rowHi${u} = keyHi(i${u});`
      : `var rowHi${u} = SK;
  if (causal) { rowHi${u} = u32(clamp(i32(i${u}) + shift + 1, 0, i32(SK))); }`
  }`,
)}
  let kBase = (pi(17u) + i32(bi) * pi(13u) + i32(kh) * pi(14u))${unit};
  let kS = pi(15u)${unit}; let kC = pi(16u);
  let vBase = (pi(22u) + i32(bi) * pi(18u) + i32(kh) * pi(19u))${unit};
  let vS = pi(20u)${unit}; let vC = pi(21u);
  let qC = pi(11u);
  // The column loops' bounds come from the params, not constants, so that the shader compiler keeps
  // them as loops instead of unrolling them back into one long-lived value per column.
  let NQ = p[28]; let NV = p[29];
${perRow(
  (u) => `let qa${u} = i32(at4(8u, bi, hi, i${u}, 0u));
  var qr${u}: array<${type}, ${nq}>;
  var acc${u}: array<${type}, ${nv}>;
  var m${u} = NEG;
  var l${u} = 0.0;`,
)}
  for (var g = 0u; g < NQ; g++) {
${perRow((u) => `qr${u}[g] = ${qLoad(u)} * scale;`, '    ')}
  }
  for (var g = 0u; g < NV; g++) {
${perRow((u) => `acc${u}[g] = ${type}(0.0);`, '    ')}
  }
  for (var kb = ${varlen ? 'blockLo' : '0u'}; kb < blockHi; kb += BK) {
${lines(B, (b) => `let jl${b} = min(kb + ${b * SHARE}u + l8, SK - 1u); let krl${b} = kBase + i32(jl${b}) * kS; let vrl${b} = vBase + i32(jl${b}) * vS;`)}
${lines(U, (u) => R.map((r) => `var s${u}_${r} = 0.0;`).join(' '))}
    for (var g = 0u; g < NQ; g++) {
${lines(U, (u) => `let q${u} = qr${u}[g];`, '      ')}
${lines(B, (b) => `let kl${b} = ${kAt(`krl${b}`)};`, '      ')}
${lines(R, (r) => `{ let x = subgroupBroadcast(kl${r >> 3}, ${r % SHARE}u);${U.map((u) => ` s${u}_${r} += ${prod(`q${u}`, 'x')};`).join('')} }`, '      ')}
    }
${lines(U, (u) =>
  [
    `var mx${u} = m${u};`,
    ...R.map(
      (r) =>
        `{ let i = i${u}; let j = min(kb + ${r}u, SK - 1u); var x = s${u}_${r}; ${maskExpr(mask, 'maskIn', 23)} s${u}_${r} = select(NEG, x, ${seen(u, r)}); mx${u} = max(mx${u}, s${u}_${r}); }`,
    ),
    // Rescale once per block, then add the block's e^(S−m'). A row that has seen only masked keys
    // keeps m = NEG, so corr = 1 and every p = 0: no branch needed.
    `let corr${u} = exp(m${u} - mx${u});`,
    ...R.map((r) => `let p${u}_${r} = select(exp(s${u}_${r} - mx${u}), 0.0, s${u}_${r} <= NEG);`),
    `l${u} = l${u} * corr${u} + ${R.map((r) => `p${u}_${r}`).join(' + ')};`,
    `m${u} = mx${u};`,
  ].join('\n    '),
)}
    for (var g = 0u; g < NV; g++) {
${lines(U, (u) => `var a${u} = acc${u}[g] * corr${u};`, '      ')}
${lines(B, (b) => `let vl${b} = ${vAt(`vrl${b}`)};`, '      ')}
${lines(R, (r) => `{ let x = subgroupBroadcast(vl${r >> 3}, ${r % SHARE}u);${U.map((u) => ` a${u} += p${u}_${r} * x;`).join('')} }`, '      ')}
${lines(U, (u) => `acc${u}[g] = a${u};`, '      ')}
    }
  }
${perRow(
  (u) => `if (valid${u}) {
    let row = wid.y * SQ + i${u};
    let inv = select(0.0, 1.0 / l${u}, l${u} > 0.0);
    for (var g = 0u; g < NV; g++) { ${oStore(u)} }
    lOut[row] = select(NEG_INF(), m${u} + log(l${u}), l${u} > 0.0);
  }`,
)}
}`;
  return { wgsl, rows: wg * nu, extra: [nq, nv] };
}
