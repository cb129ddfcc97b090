import type { CpuInput, CpuOutput } from '@tessera/core';
import { DropoutMask } from './dropout-mask.js';
import { type FlashAttrs, keyRanges } from './flash-attrs.js';
import { maskRow, packRows, scratch, strided4 } from './strided.js';
import { gemmAcc, gemmNT } from './tile-gemm.js';

/**
 * FlashAttention backward on the CPU. Inputs q, k, v, O, dO, L, dL (and the mask last when the
 * forward had one); outputs dQ, dK, dV. P is recomputed tile by tile from the stored
 * logsumexp L instead of being kept from the forward pass:
 *   D  = rowsum(dO∘O) − dL          (dL: gradient flowing into L itself, usually 0)
 *   P  = e^(S−L)
 *   dV += (P∘Z)ᵀ dO                  (Z: dropout factor, 1 without dropout)
 *   dP = (dO Vᵀ)∘Z
 *   dS = P∘(dP − D)
 *   dQ += dS K·scale,  dK += dSᵀ Q·scale
 * Key/value blocks are the outer loop so dK and dV of a tile accumulate in scratch and are
 * written once; query heads that share a kv head (grouped-query) add into the same dK/dV.
 * Rows with L = −∞ saw no key: they contribute nothing and get dQ = 0.
 */
export function flashBackwardCpu(inputs: CpuInput[], outputs: CpuOutput[], attrs: FlashAttrs): void {
  const [qIn, kIn, vIn, oIn, dOIn, lseIn, dLseIn, maskIn] = inputs;
  const [dqOut, dkOut, dvOut] = outputs;
  const [batch, heads, sq, dim] = qIn.shape;
  const [, kvHeads, sk] = kIn.shape;
  const dv = vIn.shape[3];
  const wide = qIn.dtype === 'f64';
  const q = strided4(qIn);
  const k = strided4(kIn);
  const v = strided4(vIn);
  const out = strided4(oIn);
  const dOut = strided4(dOIn);
  const lse = strided4(lseIn);
  const dLse = strided4(dLseIn);
  const mask = maskIn ? strided4(maskIn) : null;
  const boolMask = maskIn?.dtype === 'bool';
  const { lo, hi } = keyRanges(sq, sk, attrs);
  const bq = Math.max(1, Math.min(attrs.blockQ, sq));
  const bk = Math.max(1, Math.min(attrs.blockK, sk));
  const drop = attrs.dropout > 0 ? new DropoutMask(attrs.dropoutKey, attrs.dropoutBase, attrs.dropout) : null;
  const scale = attrs.scale;

  const qt = scratch(wide, bq * dim);
  const dot = scratch(wide, bq * dv);
  const kt = scratch(wide, bk * dim);
  const vt = scratch(wide, bk * dv);
  const dkt = scratch(wide, bk * dim);
  const pt = scratch(wide, bq * bk);
  const dst = scratch(wide, bq * bk);
  const dvt = scratch(wide, bk * dv);
  const rowL = new Float64Array(sq);
  const rowD = new Float64Array(sq);
  const oRow = scratch(wide, dv);
  const dq = dqOut.data as Float32Array | Float64Array;
  const dk = dkOut.data;
  const dvData = dvOut.data;

  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor((h * kvHeads) / heads);
      const head = b * heads + h;
      // Per-row L and D for this head, read once (lse/dLse indexed as [b, h, sq] → strides 1..3).
      for (let i = 0; i < sq; i++) {
        rowL[i] = lse.data[lse.offset + b * lse.strides[1] + h * lse.strides[2] + i * lse.strides[3]];
        packRows(out, b, h, i, 1, dv, 1, oRow);
        packRows(dOut, b, h, i, 1, dv, 1, dot);
        let d = 0;
        for (let t = 0; t < dv; t++) d += dot[t] * oRow[t];
        rowD[i] =
          d - dLse.data[dLse.offset + b * dLse.strides[1] + h * dLse.strides[2] + i * dLse.strides[3]];
      }
      for (let j0 = 0; j0 < sk; j0 += bk) {
        const cols = Math.min(bk, sk - j0);
        // K carries the scale: S = Q (K·scale)ᵀ and dQ = dS (K·scale); dK gets it at write-out.
        packRows(k, b, hk, j0, cols, dim, scale, kt);
        packRows(v, b, hk, j0, cols, dv, 1, vt);
        dkt.fill(0);
        dvt.fill(0);
        for (let i0 = 0; i0 < sq; i0 += bq) {
          const rows = Math.min(bq, sq - i0);
          // Skip query blocks that see none of these keys (causal / varlen structure).
          if (hi[i0 + rows - 1] <= j0 || lo[i0] >= j0 + cols) continue;
          packRows(q, b, h, i0, rows, dim, 1, qt);
          packRows(dOut, b, h, i0, rows, dv, 1, dot);
          gemmNT(qt, kt, pt, rows, cols, dim, bk); // S
          gemmNT(dot, vt, dst, rows, cols, dv, bk); // dO Vᵀ
          for (let r = 0; r < rows; r++) {
            const i = i0 + r;
            const so = r * bk;
            const li = rowL[i];
            const cLo = li === Number.NEGATIVE_INFINITY ? cols : Math.max(lo[i] - j0, 0);
            const cHi = Math.max(cLo, Math.min(hi[i] - j0, cols));
            const di = rowD[i];
            const eRow = (head * sq + i) * sk + j0;
            for (let c = 0; c < cLo; c++) pt[so + c] = dst[so + c] = 0;
            for (let c = cLo; c < cHi; c++) {
              let s = pt[so + c];
              if (mask) {
                const mv = mask.data[maskRow(mask, b, h, i) + (j0 + c) * mask.strides[3]];
                if (boolMask) {
                  if (!mv) s = Number.NEGATIVE_INFINITY;
                } else s += mv;
              }
              const p = Math.exp(s - li);
              const z = drop ? drop.factor(eRow + c) : 1;
              // pt becomes P∘Z (for dV), dst becomes dS = P∘(dP∘Z − D).
              dst[so + c] = p * (dst[so + c] * z - di);
              pt[so + c] = p * z;
            }
            for (let c = cHi; c < cols; c++) pt[so + c] = dst[so + c] = 0;
          }
          gemmAcc(pt, bk, true, dot, dvt, 0, dv, cols, dv, rows); // dV += (P∘Z)ᵀ dO
          gemmAcc(dst, bk, true, qt, dkt, 0, dim, cols, dim, rows); // dK += dSᵀ Q
          gemmAcc(dst, bk, false, kt, dq, (head * sq + i0) * dim, dim, rows, dim, cols); // dQ += dS K·scale
        }
        const kvBase = (b * kvHeads + hk) * sk + j0;
        for (let c = 0; c < cols; c++) {
          for (let t = 0; t < dim; t++) dk[(kvBase + c) * dim + t] += dkt[c * dim + t] * scale;
          for (let t = 0; t < dv; t++) dvData[(kvBase + c) * dv + t] += dvt[c * dv + t];
        }
      }
    }
  }
}
