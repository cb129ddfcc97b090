import type { CpuInput, CpuOutput } from '@tessera/core';
import { DropoutMask } from './dropout-mask.js';
import { type FlashAttrs, keyRanges } from './flash-attrs.js';
import { packRows, scratch, strided4 } from './strided.js';

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
  const dvt = scratch(wide, bk * dv);
  const rowL = new Float64Array(sq);
  const rowD = new Float64Array(sq);
  const oRow = scratch(wide, dv);
  const dq = dqOut.data;
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
        packRows(k, b, hk, j0, cols, dim, 1, kt);
        packRows(v, b, hk, j0, cols, dv, 1, vt);
        dkt.fill(0);
        dvt.fill(0);
        for (let i0 = 0; i0 < sq; i0 += bq) {
          const rows = Math.min(bq, sq - i0);
          // Skip query blocks that see none of these keys (causal / varlen structure).
          if (hi[i0 + rows - 1] <= j0 || lo[i0] >= j0 + cols) continue;
          packRows(q, b, h, i0, rows, dim, scale, qt);
          packRows(dOut, b, h, i0, rows, dv, 1, dot);
          for (let r = 0; r < rows; r++) {
            const i = i0 + r;
            const li = rowL[i];
            if (li === Number.NEGATIVE_INFINITY) continue;
            const cLo = Math.max(lo[i] - j0, 0);
            const cHi = Math.min(hi[i] - j0, cols);
            if (cLo >= cHi) continue;
            const di = rowD[i];
            const qo = r * dim;
            const go = r * dv;
            const dqo = (head * sq + i) * dim;
            const eRow = (head * sq + i) * sk + j0;
            for (let c = cLo; c < cHi; c++) {
              const ko = c * dim;
              let s = 0;
              for (let t = 0; t < dim; t++) s += qt[qo + t] * kt[ko + t];
              if (mask) {
                const mv =
                  mask.data[
                    mask.offset +
                      b * mask.strides[0] +
                      h * mask.strides[1] +
                      i * mask.strides[2] +
                      (j0 + c) * mask.strides[3]
                  ];
                if (boolMask) {
                  if (!mv) continue;
                } else s += mv;
              }
              const p = Math.exp(s - li);
              if (p === 0) continue;
              const z = drop ? drop.factor(eRow + c) : 1;
              const vo = c * dv;
              let dp = 0;
              for (let t = 0; t < dv; t++) dp += dot[go + t] * vt[vo + t];
              const ds = p * (dp * z - di);
              const pz = p * z;
              if (pz !== 0) for (let t = 0; t < dv; t++) dvt[vo + t] += pz * dot[go + t];
              // qt already carries the scale, so dK += dS·(Q·scale) needs no extra multiply.
              for (let t = 0; t < dim; t++) dkt[ko + t] += ds * qt[qo + t];
              const dss = ds * scale;
              for (let t = 0; t < dim; t++) dq[dqo + t] += dss * kt[ko + t];
            }
          }
        }
        const kvBase = (b * kvHeads + hk) * sk + j0;
        for (let c = 0; c < cols; c++) {
          for (let t = 0; t < dim; t++) dk[(kvBase + c) * dim + t] += dkt[c * dim + t];
          for (let t = 0; t < dv; t++) dvData[(kvBase + c) * dv + t] += dvt[c * dv + t];
        }
      }
    }
  }
}
