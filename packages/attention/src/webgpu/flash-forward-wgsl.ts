import type { FlashAttrs } from '../flash-attrs.js';
import {
  bindings,
  COMMON_WGSL,
  checkGpuSupport,
  type GpuInputLike,
  type GpuOutputLike,
  headerWords,
  type KernelHostLike,
  maskExpr,
  maskType,
  maskWords,
  stridedWords,
  tiles,
} from './gpu-kernel-types.js';

/**
 * FlashAttention-2 forward in WGSL. One workgroup per (batch·head, query block of BQ rows), one
 * thread per query row; the key/value blocks (BK rows) are the inner loop, loaded cooperatively
 * into workgroup-shared tiles. Each thread keeps its scaled query row, the running max m, the
 * running sum l and the unnormalized output O in registers. For each key tile with scores
 * S = Q Kᵀ·scale (+ mask):
 *   m' = max(m, rowmax(S))
 *   l' = e^(m−m')·l + rowsum(e^(S−m'))
 *   O' = e^(m−m')·O + e^(S−m')·V
 * and once at the end O ← O / l, L = m + log l. Rows that see no key (l = 0) write O = 0 and
 * L = −∞. Causal: query i sees keys j ≤ i + (sk − sq), so the workgroup stops at the last key its
 * last row sees (whole key blocks beyond the diagonal are skipped) and rows check j per element.
 * Grouped-query: head h reads kv head ⌊h·hk/h⌋ through the strides, never copied. Tiles need
 * not divide sq or sk: out-of-range rows load zeros and write nothing.
 *
 * Inputs q, k, v (, mask); outputs O [b, h, sq, dv] and L [b, h, sq], both row-major.
 */
export function flashForwardWebGPU(
  host: KernelHostLike,
  inputs: readonly GpuInputLike[],
  outputs: readonly GpuOutputLike[],
  attrs: FlashAttrs,
): void {
  const op = 'attention.flash (webgpu)';
  checkGpuSupport(op, inputs, attrs);
  const [q, k, v, mask] = inputs;
  const [o, lse] = outputs;
  const [b, h, sq, d] = q.shape;
  const [, hk, sk] = k.shape;
  const dv = v.shape[3];
  if (b * h * sq === 0) return;
  const { bq, bk } = tiles(host, attrs, (_bq, bk) => bk * (d + dv));
  // params: 0 b, 1 h, 2 hk, 3 sq, 4 sk, 5 scale, 6 causal, 8 q, 13 k, 18 v, 23 mask (strides, offset)
  const params = [
    ...headerWords([b, h, hk, sq, sk], attrs),
    ...stridedWords(q),
    ...stridedWords(k),
    ...stridedWords(v),
    ...(mask ? maskWords(mask) : [0, 0, 0, 0, 0]),
  ];
  const reads: [string, string][] = [
    ['qIn', 'f32'],
    ['kIn', 'f32'],
    ['vIn', 'f32'],
  ];
  if (mask) reads.push(['maskIn', maskType(mask)]);
  const wgsl = `${bindings(reads, ['oOut', 'lOut'])}
${COMMON_WGSL}
const BQ: u32 = ${bq}u;
const BK: u32 = ${bk}u;
const D: u32 = ${d}u;
const DV: u32 = ${dv}u;
var<workgroup> kt: array<f32, ${Math.max(1, bk * d)}>;
var<workgroup> vt: array<f32, ${Math.max(1, bk * dv)}>;

@compute @workgroup_size(${bq})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let H = p[1]; let HK = p[2]; let SQ = p[3]; let SK = p[4];
  let scale = bitcast<f32>(p[5]);
  let causal = p[6] != 0u;
  let bi = wid.y / H;
  let hi = wid.y % H;
  let kh = hi * HK / H; // grouped-query: query head h reads kv head ⌊h·hk/h⌋
  let q0 = wid.x * BQ;
  let i = q0 + t;
  let valid = i < SQ;
  // Causal, bottom-right aligned: row i sees keys j < i + (sk − sq) + 1.
  let shift = i32(SK) - i32(SQ);
  var rowHi = SK;
  var blockHi = SK;
  if (causal) {
    rowHi = u32(clamp(i32(i) + shift + 1, 0, i32(SK)));
    blockHi = u32(clamp(i32(min(q0 + BQ, SQ)) - 1 + shift + 1, 0, i32(SK)));
  }
  var qr: array<f32, D>;
  var acc: array<f32, DV>;
  if (valid) {
    for (var c = 0u; c < D; c++) { qr[c] = qIn[at4(8u, bi, hi, i, c)] * scale; }
  }
  for (var c = 0u; c < DV; c++) { acc[c] = 0.0; }
  var m = NEG;
  var l = 0.0;
  for (var kb = 0u; kb < blockHi; kb += BK) {
    workgroupBarrier(); // everyone is done with the previous tile
    for (var e = t; e < BK * D; e += BQ) {
      let j = kb + e / D;
      kt[e] = select(0.0, kIn[at4(13u, bi, kh, min(j, SK - 1u), e % D)], j < SK);
    }
    for (var e = t; e < BK * DV; e += BQ) {
      let j = kb + e / DV;
      vt[e] = select(0.0, vIn[at4(18u, bi, kh, min(j, SK - 1u), e % DV)], j < SK);
    }
    workgroupBarrier();
    if (valid) {
      // S for this tile, and its row max.
      var s: array<f32, BK>;
      var mx = m;
      for (var r = 0u; r < BK; r++) {
        let j = kb + r;
        var x = NEG;
        if (j < rowHi) {
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
    for (var c = 0u; c < DV; c++) { oOut[row * DV + c] = acc[c] * inv; }
    lOut[row] = select(NEG_INF(), m + log(l), l > 0.0);
  }
}`;
  host.launch({
    wgsl,
    reads: mask ? [q.buf, k.buf, v.buf, mask.buf] : [q.buf, k.buf, v.buf],
    writes: [o.buf, lse.buf],
    params,
    groups: [Math.ceil(sq / bq), b * h, 1],
    op,
  });
}
