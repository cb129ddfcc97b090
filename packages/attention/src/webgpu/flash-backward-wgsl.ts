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
  PARAMS_WGSL,
  QUERY_HEAD_WGSL,
  stridedWords,
  tiles,
} from './flash-common-wgsl.js';

/** A [b, h, sq] tensor (L, dL) as 4-D words: strides (b, h, s, 0) and offset. */
function rowWords(t: GpuInput): number[] {
  return [t.strides[0], t.strides[1], t.strides[2], 0, t.offset].map((x) => x >>> 0);
}

/**
 * FlashAttention-2 backward in WGSL: three dispatches, no atomics, P recomputed from L.
 *
 * 1. D = rowsum(dO∘O) − dL, one thread per query row (dL: the gradient into L, usually 0), into a
 *    scratch buffer [b·h·sq].
 * 2. dK, dV: one workgroup per (batch·kv head, key block), one thread per key row j, holding k_j,
 *    v_j and the dK/dV accumulators in registers. It loops over the query heads of its group
 *    (grouped-query: heads h with ⌊h·hk/h⌋ = kv head, so the group's sum needs no atomics) and
 *    their query blocks (causal: from the first row that sees the block; varlen: only the blocks
 *    whose rows' key ranges meet the key block), with Q, dO, L and D of
 *    the block in workgroup-shared tiles:
 *      P = e^(S−L),  dV += Pᵀ dO,  dP = dO Vᵀ,  dS = P∘(dP − D),  dK += dSᵀ Q·scale
 * 3. dQ: one workgroup per (batch·head, query block), one thread per query row, the key blocks
 *    (causal: up to the diagonal; varlen: the block rows' key ranges) in shared K/V tiles:
 *    dQ += dS K·scale
 * Rows with L = −∞ saw no key: they contribute nothing and get dQ = 0.
 * f16 operands are widened on load and every product and sum runs in f32; f16 dQ, dK, dV are
 * rounded once, when stored.
 *
 * Inputs q, k, v, O, dO, L, dL (, mask); outputs dQ, dK, dV, row-major.
 */
export function flashBackwardWebGPU(
  host: KernelHost,
  inputs: readonly GpuInput[],
  outputs: readonly GpuOutput[],
  attrs: FlashAttrs,
): void {
  const op = 'attention.flashBackward (webgpu)';
  checkGpuSupport(op, inputs, attrs);
  const [q, k, v, o, dO, lse, dL, mask] = inputs;
  const [dqOut, dkOut, dvOut] = outputs;
  const [b, h, sq, d] = q.shape;
  const [, hk, sk] = k.shape;
  const dv = v.shape[3];
  const rows = b * h * sq;

  // ---- 1. D = rowsum(dO∘O) − dL ----
  const dBuf = host.scratch(Math.max(4, rows * 4));
  if (rows > 0) {
    const params = [rows, h, sq, dv, ...stridedWords(o), ...stridedWords(dO), ...rowWords(dL)];
    const wgsl = `${bindings(
      [
        ['oIn', storageType(o.dtype)],
        ['dOIn', storageType(dO.dtype)],
        ['dLIn', storageType(dL.dtype)],
      ],
      [['dRow', 'f32']],
    )}
${COMMON_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p[0]) { return; }
  let H = p[1]; let SQ = p[2]; let DV = p[3];
  let i = row % SQ;
  let bi = row / (H * SQ);
  let hi = (row / SQ) % H;
  var acc = 0.0;
  for (var c = 0u; c < DV; c++) { acc += ${loadAs(dO.dtype, 'dOIn[at4(9u, bi, hi, i, c)]')} * ${loadAs(o.dtype, 'oIn[at4(4u, bi, hi, i, c)]')}; }
  dRow[row] = acc - ${loadAs(dL.dtype, 'dLIn[at4(14u, bi, hi, i, 0u)]')};
}`;
    const wgs = Math.ceil(rows / 64);
    const gx = Math.min(wgs, 65535);
    host.launch({
      wgsl,
      reads: [o.buf, dO.buf, dL.buf],
      writes: [dBuf],
      params,
      groups: [gx, Math.ceil(wgs / gx), 1],
      op,
    });
  }

  // Shared params of passes 2 and 3: 0 b, 1 h, 2 hk, 3 sq, 4 sk, 5 scale, 6 causal,
  // 8 q, 13 k, 18 v, 23 dO, 28 L, 33 mask (strides, offset).
  const params = [
    ...headerWords([b, h, hk, sq, sk], attrs),
    ...stridedWords(q),
    ...stridedWords(k),
    ...stridedWords(v),
    ...stridedWords(dO),
    ...rowWords(lse),
    ...(mask ? maskWords(mask) : [0, 0, 0, 0, 0]),
  ];
  const reads: [string, string][] = [
    ['qIn', storageType(q.dtype)],
    ['kIn', storageType(k.dtype)],
    ['vIn', storageType(v.dtype)],
    ['dOIn', storageType(dO.dtype)],
    ['lIn', storageType(lse.dtype)],
    ['dRow', 'f32'],
  ];
  if (mask) reads.push(['maskIn', maskType(mask)]);
  // Packed sequences: each query row's key range [lo, hi) comes from a small i32 buffer.
  const varlen = attrs.cuSeqlens !== null && rows > 0;
  const ranges = varlen ? [keyRangesBuffer(host, sq, attrs, op)] : [];
  if (varlen) reads.push(['rangeIn', 'i32']);
  const readBufs = [q.buf, k.buf, v.buf, dO.buf, lse.buf, dBuf, ...(mask ? [mask.buf] : []), ...ranges];
  const header = (bq: number, bk: number) => `${COMMON_WGSL}${varlen ? `\n${KEY_RANGES_WGSL}` : ''}
const BQ: u32 = ${bq}u;
const BK: u32 = ${bk}u;
const D: u32 = ${d}u;
const DV: u32 = ${dv}u;`;
  const score = `var x = 0.0;
          for (var c = 0u; c < D; c++) { x += qr_i(c) * kr_j(c); }
          x *= scale;
          ${maskExpr(mask, 'maskIn', 33)}`;

  // ---- 2. dK, dV: one workgroup per (batch·kv head, key block) ----
  if (b * hk * sk > 0) {
    const { bq, bk } = tiles(host, attrs, (bq) => bq * (d + dv + 2));
    const wgsl = `${bindings(reads, [
      ['dkOut', storageType(dkOut.dtype)],
      ['dvOut', storageType(dvOut.dtype)],
    ])}
${header(bq, bk)}
var<workgroup> qt: array<f32, ${Math.max(1, bq * d)}>;
var<workgroup> dot_: array<f32, ${Math.max(1, bq * dv)}>;
var<workgroup> lt: array<f32, ${bq}>;
var<workgroup> dt: array<f32, ${bq}>;

@compute @workgroup_size(${bk})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
${PARAMS_WGSL}
  let bi = wid.y / HK;
  let kh = wid.y % HK;
  let k0 = wid.x * BK;
  let j = k0 + t;
  let valid = j < SK;
  let shift = i32(SK) - i32(SQ);
  // Causal: row i sees key j iff i ≥ j − shift; rows before k0 − shift see none of this block.
  var qStart = 0u;
  if (causal) { qStart = u32(clamp(i32(k0) - shift, 0, i32(SQ))) / BQ * BQ; }
  var kr: array<f32, D>;
  var vr: array<f32, DV>;
  var dk: array<f32, D>;
  var dv: array<f32, DV>;
  for (var c = 0u; c < D; c++) { kr[c] = select(0.0, ${loadAs(k.dtype, 'kIn[at4(13u, bi, kh, min(j, SK - 1u), c)]')}, valid); dk[c] = 0.0; }
  for (var c = 0u; c < DV; c++) { vr[c] = select(0.0, ${loadAs(v.dtype, 'vIn[at4(18u, bi, kh, min(j, SK - 1u), c)]')}, valid); dv[c] = 0.0; }
  // The query heads that read this kv head: h with ⌊h·hk/h⌋ = kh, i.e. kh·(h/hk) … (kh+1)·(h/hk) − 1.
  let group = H / HK;
  for (var hi = kh * group; hi < (kh + 1u) * group; hi++) {
    for (var q0 = qStart; q0 < SQ; q0 += BQ) {${
      varlen
        ? `
      // The rows that see this key block are contiguous (lo and hi never decrease): skip blocks before them, stop after.
      if (keyLo(q0) >= min(k0 + BK, SK)) { break; }
      if (keyHi(min(q0 + BQ, SQ) - 1u) <= k0) { continue; }`
        : ''
    }
      workgroupBarrier();
      for (var e = t; e < BQ * D; e += BK) {
        let i = q0 + e / D;
        qt[e] = select(0.0, ${loadAs(q.dtype, 'qIn[at4(8u, bi, hi, min(i, SQ - 1u), e % D)]')}, i < SQ);
      }
      for (var e = t; e < BQ * DV; e += BK) {
        let i = q0 + e / DV;
        dot_[e] = select(0.0, ${loadAs(dO.dtype, 'dOIn[at4(23u, bi, hi, min(i, SQ - 1u), e % DV)]')}, i < SQ);
      }
      for (var r = t; r < BQ; r += BK) {
        let i = q0 + r;
        lt[r] = select(NEG_INF(), ${loadAs(lse.dtype, 'lIn[at4(28u, bi, hi, min(i, SQ - 1u), 0u)]')}, i < SQ);
        dt[r] = select(0.0, dRow[(bi * H + hi) * SQ + min(i, SQ - 1u)], i < SQ);
      }
      workgroupBarrier();
      if (valid) {
        for (var r = 0u; r < BQ; r++) {
          let i = q0 + r;
          // L = −∞ (rows that see no key, and rows past sq) contributes nothing.
          if (${
            varlen
              ? 'lt[r] <= NEG || j < keyLo(min(i, SQ - 1u)) || j >= keyHi(min(i, SQ - 1u))'
              : 'lt[r] <= NEG || (causal && i32(j) > i32(i) + shift)'
          }) { continue; }
          ${score.replaceAll('qr_i(c)', 'qt[r * D + c]').replaceAll('kr_j(c)', 'kr[c]')}
          let pr = select(exp(x - lt[r]), 0.0, x <= NEG); // P = e^(S−L)
          var dp = 0.0; // dP = dO Vᵀ
          for (var c = 0u; c < DV; c++) {
            let g = dot_[r * DV + c];
            dv[c] += pr * g; // dV += Pᵀ dO
            dp += g * vr[c];
          }
          let ds = pr * (dp - dt[r]) * scale; // dS = P∘(dP − D), with K's scale folded in
          for (var c = 0u; c < D; c++) { dk[c] += ds * qt[r * D + c]; } // dK += dSᵀ Q·scale
        }
      }
    }
  }
  if (valid) {
    let row = wid.y * SK + j;
    for (var c = 0u; c < D; c++) { dkOut[row * D + c] = ${storeAs(dkOut.dtype, 'dk[c]')}; }
    for (var c = 0u; c < DV; c++) { dvOut[row * DV + c] = ${storeAs(dvOut.dtype, 'dv[c]')}; }
  }
}`;
    host.launch({
      wgsl,
      reads: readBufs,
      writes: [dkOut.buf, dvOut.buf],
      params,
      groups: [Math.ceil(sk / bk), b * hk, 1],
      op,
    });
  }

  // ---- 3. dQ: one workgroup per (batch·head, query block) ----
  if (rows > 0) {
    const { bq, bk } = tiles(host, attrs, (_bq, bk) => bk * (d + dv));
    const wgsl = `${bindings(reads, [['dqOut', storageType(dqOut.dtype)]])}
${header(bq, bk)}
var<workgroup> kt: array<f32, ${Math.max(1, bk * d)}>;
var<workgroup> vt: array<f32, ${Math.max(1, bk * dv)}>;

@compute @workgroup_size(${bq})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
${QUERY_HEAD_WGSL}
  let q0 = wid.x * BQ;
  let i = q0 + t;
  let valid = i < SQ;
  ${
    varlen
      ? `let rowLo = keyLo(min(i, SQ - 1u));
  let rowHi = keyHi(min(i, SQ - 1u));
  let blockLo = keyLo(q0);
  let blockHi = keyHi(min(q0 + BQ, SQ) - 1u);`
      : `let shift = i32(SK) - i32(SQ);
  var rowHi = SK;
  var blockHi = SK;
  if (causal) {
    rowHi = u32(clamp(i32(i) + shift + 1, 0, i32(SK)));
    blockHi = u32(clamp(i32(min(q0 + BQ, SQ)) - 1 + shift + 1, 0, i32(SK)));
  }`
  }
  var qr: array<f32, D>;
  var gr: array<f32, DV>;
  var dq: array<f32, D>;
  var li = NEG_INF();
  var di = 0.0;
  if (valid) {
    for (var c = 0u; c < D; c++) { qr[c] = ${loadAs(q.dtype, 'qIn[at4(8u, bi, hi, i, c)]')}; }
    for (var c = 0u; c < DV; c++) { gr[c] = ${loadAs(dO.dtype, 'dOIn[at4(23u, bi, hi, i, c)]')}; }
    li = ${loadAs(lse.dtype, 'lIn[at4(28u, bi, hi, i, 0u)]')};
    di = dRow[wid.y * SQ + i];
  }
  for (var c = 0u; c < D; c++) { dq[c] = 0.0; }
  for (var kb = ${varlen ? 'blockLo' : '0u'}; kb < blockHi; kb += BK) {
    workgroupBarrier();
    for (var e = t; e < BK * D; e += BQ) {
      let j = kb + e / D;
      kt[e] = select(0.0, ${loadAs(k.dtype, 'kIn[at4(13u, bi, kh, min(j, SK - 1u), e % D)]')}, j < SK);
    }
    for (var e = t; e < BK * DV; e += BQ) {
      let j = kb + e / DV;
      vt[e] = select(0.0, ${loadAs(v.dtype, 'vIn[at4(18u, bi, kh, min(j, SK - 1u), e % DV)]')}, j < SK);
    }
    workgroupBarrier();
    if (valid && li > NEG) {
      for (var r = 0u; r < BK; r++) {
        let j = kb + r;
        if (j >= rowHi) { break; }${varlen ? '\n        if (j < rowLo) { continue; }' : ''}
        ${score.replaceAll('qr_i(c)', 'qr[c]').replaceAll('kr_j(c)', 'kt[r * D + c]')}
        let pr = select(exp(x - li), 0.0, x <= NEG); // P = e^(S−L)
        var dp = 0.0; // dP = dO Vᵀ
        for (var c = 0u; c < DV; c++) { dp += gr[c] * vt[r * DV + c]; }
        let ds = pr * (dp - di) * scale; // dS = P∘(dP − D)
        for (var c = 0u; c < D; c++) { dq[c] += ds * kt[r * D + c]; } // dQ += dS K·scale
      }
    }
  }
  if (valid) {
    let row = wid.y * SQ + i;
    for (var c = 0u; c < D; c++) { dqOut[row * D + c] = ${storeAs(dqOut.dtype, 'dq[c]')}; }
  }
}`;
    host.launch({
      wgsl,
      reads: readBufs,
      writes: [dqOut.buf],
      params,
      groups: [Math.ceil(sq / bq), b * h, 1],
      op,
    });
  }
}
