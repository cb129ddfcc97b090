import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput } from '@tessera/core';
import type { WasmModule } from '@tessera/core/wasm';
import { DropoutMask } from './dropout-mask.js';
import type { FlashAttrs } from './flash-attrs.js';
import { flashProblem, kvJobs, maskRow, packCols, packRows, type Strided4, strided4 } from './strided.js';
import { pad8, tileEngine } from './tile-gemm.js';
import { flashModuleFunctions } from './wasm-flash.js';
import { type WasmTileSource, withWasmTiles } from './wasm-gemm.js';

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
function flashBackward(
  inputs: CpuInput[],
  outputs: CpuOutput[],
  attrs: FlashAttrs,
  wasm: WasmTileSource,
  env: CpuKernelEnv | undefined,
): void {
  const [qIn, , , oIn, dOIn, lseIn, dLseIn, maskIn] = inputs;
  // The common case — f32, no mask, no dropout — runs whole in WebAssembly on the backend's threads.
  if (qIn.dtype === 'f32' && !maskIn && attrs.dropout === 0 && attrs.simd !== false) {
    const rt = env?.wasmModule(flashModuleFunctions);
    if (rt) {
      flashBackwardThreaded(rt, inputs, outputs, attrs);
      return;
    }
  }
  const [dqOut, dkOut, dvOut] = outputs;
  const { batch, heads, kvHeads, sq, sk, dim, dv, q, k, v, lo, hi, bq, bk, dimP, dvP, bkP } = flashProblem(
    inputs,
    attrs,
  );
  const out = strided4(oIn);
  const dOut = strided4(dOIn);
  const lse = strided4(lseIn);
  const dLse = strided4(dLseIn);
  const mask = maskIn ? strided4(maskIn) : null;
  const boolMask = maskIn?.dtype === 'bool';
  const drop = attrs.dropout > 0 ? new DropoutMask(attrs.dropoutKey, attrs.dropoutBase, attrs.dropout) : null;
  const scale = attrs.scale;

  // Scratch: Q [sq×d] and dO [sq×dv] of the current query head (packed once per head), the
  // key tiles (K·scale)ᵀ [d×bk], K·scale [bk×d], Vᵀ [dv×bk], the score tiles P∘Z and dS
  // [bq×bk], dK [bk×d], dV [bk×dv], and dQ of the whole head [sq×d].
  const QH = 0;
  const DOH = QH + sq * dimP;
  const KT = DOH + sq * dvP;
  const KR = KT + dimP * bkP;
  const VT = KR + bkP * dimP;
  const PT = VT + dvP * bkP;
  const DS = PT + bq * bkP;
  const DK = DS + bq * bkP;
  const DV = DK + bkP * dimP;
  const DQ = DV + bkP * dvP;
  const engine = tileEngine(qIn.dtype === 'f64', DQ + sq * dimP, attrs.simd ?? true, wasm);
  const H = engine.heap;
  const rowL = new Float64Array(sq);
  const rowD = new Float64Array(sq);
  const dq = dqOut.data;
  const dk = dkOut.data;
  const dvData = dvOut.data;

  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor((h * kvHeads) / heads);
      const head = b * heads + h;
      // Per-row L and D for this head (L and dL are [b, h, sq]: strides 1..3 of strided4).
      for (let i = 0; i < sq; i++) {
        const { l, d } = rowStats(out, dOut, lse, dLse, b, h, i, dv);
        rowL[i] = l;
        rowD[i] = d;
      }
      H.fill(0, DQ, DQ + sq * dimP);
      packRows(q, b, h, 0, sq, dim, 1, H, QH, dimP);
      packRows(dOut, b, h, 0, sq, dv, 1, H, DOH, dvP);
      for (let j0 = 0; j0 < sk; j0 += bk) {
        const cols = Math.min(bk, sk - j0);
        const n8 = pad8(cols);
        // K carries the scale: S = Q (K·scale)ᵀ and dQ = dS (K·scale); dK gets it at write-out.
        packCols(k, b, hk, j0, cols, dim, scale, H, KT, bkP);
        packRows(k, b, hk, j0, cols, dim, scale, H, KR, dimP);
        packCols(v, b, hk, j0, cols, dv, 1, H, VT, bkP);
        H.fill(0, DK, DQ);
        let touched = false;
        for (let i0 = 0; i0 < sq; i0 += bq) {
          const rows = Math.min(bq, sq - i0);
          // Skip query blocks that see none of these keys (causal / varlen structure).
          if (hi[i0 + rows - 1] <= j0 || lo[i0] >= j0 + cols) continue;
          touched = true;
          const QT = QH + i0 * dimP;
          const DOT = DOH + i0 * dvP;
          engine.gemm(QT, dimP, 1, KT, bkP, PT, bkP, rows, n8, dimP, false); // S
          engine.gemm(DOT, dvP, 1, VT, bkP, DS, bkP, rows, n8, dvP, false); // dO Vᵀ
          for (let r = 0; r < rows; r++) {
            const i = i0 + r;
            const so = r * bkP;
            const li = rowL[i];
            const cLo = li === Number.NEGATIVE_INFINITY ? cols : Math.max(lo[i] - j0, 0);
            const cHi = Math.max(cLo, Math.min(hi[i] - j0, cols));
            const di = rowD[i];
            const eRow = (head * sq + i) * sk + j0;
            H.fill(0, PT + so, PT + so + cLo);
            H.fill(0, DS + so, DS + so + cLo);
            if (mask) {
              for (let c = cLo; c < cHi; c++) {
                let s = H[PT + so + c];
                const mv = mask.data[maskRow(mask, b, h, i) + (j0 + c) * mask.strides[3]];
                if (boolMask) {
                  if (!mv) s = Number.NEGATIVE_INFINITY;
                } else s += mv;
                H[PT + so + c] = Math.exp(s - li);
              }
            } else if (cHi > cLo) engine.expShift(PT + so + cLo, cHi - cLo, li);
            for (let c = cLo; c < cHi; c++) {
              const p = H[PT + so + c];
              const z = drop ? drop.factor(eRow + c) : 1;
              // P∘Z (for dV) and dS = P∘(dP∘Z − D).
              H[DS + so + c] = p * (H[DS + so + c] * z - di);
              H[PT + so + c] = p * z;
            }
            H.fill(0, PT + so + cHi, PT + so + cols);
            H.fill(0, DS + so + cHi, DS + so + cols);
          }
          engine.gemm(PT, 1, bkP, DOT, dvP, DV, dvP, cols, dvP, rows, true); // dV += (P∘Z)ᵀ dO
          engine.gemm(DS, 1, bkP, QT, dimP, DK, dimP, cols, dimP, rows, true); // dK += dSᵀ Q
          engine.gemm(DS, bkP, 1, KR, dimP, DQ + i0 * dimP, dimP, rows, dimP, cols, true); // dQ += dS K·scale
        }
        if (!touched) continue;
        const kvBase = (b * kvHeads + hk) * sk + j0;
        for (let c = 0; c < cols; c++) {
          for (let t = 0; t < dim; t++) dk[(kvBase + c) * dim + t] += H[DK + c * dimP + t] * scale;
          for (let t = 0; t < dv; t++) dvData[(kvBase + c) * dv + t] += H[DV + c * dvP + t];
        }
      }
      for (let i = 0; i < sq; i++) {
        for (let t = 0; t < dim; t++) dq[(head * sq + i) * dim + t] = H[DQ + i * dimP + t];
      }
    }
  }
}

/**
 * D = rowsum(dO∘O) − dL and L of row i of head (b, h), from the strided inputs (L and dL are
 * [b, h, sq]: strides 1..3 of their rank-4 view).
 */
function rowStats(
  out: Strided4,
  dOut: Strided4,
  lse: Strided4,
  dLse: Strided4,
  b: number,
  h: number,
  i: number,
  dv: number,
): { l: number; d: number } {
  const oBase = out.offset + b * out.strides[0] + h * out.strides[1] + i * out.strides[2];
  const gBase = dOut.offset + b * dOut.strides[0] + h * dOut.strides[1] + i * dOut.strides[2];
  let d = 0;
  for (let t = 0; t < dv; t++)
    d += dOut.data[gBase + t * dOut.strides[3]] * out.data[oBase + t * out.strides[3]];
  return {
    l: lse.data[lse.offset + b * lse.strides[1] + h * lse.strides[2] + i * lse.strides[3]],
    d: d - dLse.data[dLse.offset + b * dLse.strides[1] + h * dLse.strides[2] + i * dLse.strides[3]],
  };
}

/**
 * The backward of an f32 call without mask or dropout on `rt`'s threads (see wasm-flash.ts): one
 * task per (batch, kv head) — the query heads sharing a kv head add into the same dK and dV, so
 * a job owns them whole — run in waves of as many jobs as threads, each job's operands packed
 * into a region of the runtime's memory of its own.
 */
function flashBackwardThreaded(
  rt: WasmModule,
  inputs: CpuInput[],
  outputs: CpuOutput[],
  attrs: FlashAttrs,
): void {
  const [, , , oIn, dOIn, lseIn, dLseIn] = inputs;
  const [dqOut, dkOut, dvOut] = outputs;
  const { batch, heads, kvHeads, sq, sk, dim, dv, q, k, v, lo, hi, bq, bk, dimP, dvP, bkP, keyBlocks } =
    flashProblem(inputs, attrs);
  const [out, dOut, lse, dLse] = [oIn, dOIn, lseIn, dLseIn].map(strided4);
  const scale = attrs.scale;
  const { groups, gh, jobs } = kvJobs(batch, heads, kvHeads);
  // Each run of a wave of min(jobs, threads) jobs is one hand-off: the cost model weighs a wave.
  const perJob = (gh * sq * sk * dim) / jobs.length;
  const parallel = rt.split(
    'flashBackwardTask',
    perJob * Math.min(jobs.length, rt.threads),
    (1 << 20) * (Math.min(jobs.length, rt.threads) / jobs.length),
  );
  const wave = parallel ? Math.min(jobs.length, rt.threads) : 1;
  // A job's region, in floats (see flashBackwardTask for what each holds).
  const KT = 0;
  const KR = KT + keyBlocks * dimP * bkP;
  const VT = KR + (sk + 8) * dimP;
  const QH = VT + keyBlocks * dvP * bkP;
  const DOH = QH + gh * sq * dimP;
  const LR = DOH + gh * sq * dvP;
  const DR = LR + gh * sq;
  const DQ = DR + gh * sq;
  const DK = DQ + gh * sq * dimP;
  const DV = DK + (sk + 8) * dimP;
  const PT = DV + (sk + 8) * dvP;
  const DS = PT + bq * bkP;
  const STRIDE = Math.ceil((DS + bq * bkP) / 4) * 4;
  const REGIONS = Math.ceil((2 * sq) / 4) * 4;
  const floats = REGIONS + wave * STRIDE;
  const at = rt.reserve(floats * 4);
  if (at < 0)
    throw new Error(
      `attention.flashBackward: ${floats * 4} bytes of scratch exceed the WebAssembly memory limit`,
    );
  const H = rt.f32();
  rt.i32().set(lo, at / 4);
  rt.i32().set(hi, at / 4 + sq);
  const regionOf = (slot: number) => at / 4 + REGIONS + slot * STRIDE;
  const dq = dqOut.data;
  const dk = dkOut.data;
  const dvData = dvOut.data;

  for (let w0 = 0; w0 < jobs.length; w0 += wave) {
    const n = Math.min(wave, jobs.length - w0);
    for (let s = 0; s < n; s++) {
      const { b, g } = jobs[w0 + s];
      const base = regionOf(s);
      H.fill(0, base, base + STRIDE);
      for (let j0 = 0; j0 < sk; j0 += bk) {
        const cols = Math.min(bk, sk - j0);
        packCols(k, b, g, j0, cols, dim, scale, H, base + KT + (j0 / bk) * dimP * bkP, bkP);
        packCols(v, b, g, j0, cols, dv, 1, H, base + VT + (j0 / bk) * dvP * bkP, bkP);
      }
      packRows(k, b, g, 0, sk, dim, scale, H, base + KR, dimP);
      groups[g].forEach((h, hh) => {
        packRows(q, b, h, 0, sq, dim, 1, H, base + QH + hh * sq * dimP, dimP);
        packRows(dOut, b, h, 0, sq, dv, 1, H, base + DOH + hh * sq * dvP, dvP);
        for (let i = 0; i < sq; i++) {
          const { l, d } = rowStats(out, dOut, lse, dLse, b, h, i, dv);
          H[base + LR + hh * sq + i] = l;
          H[base + DR + hh * sq + i] = d;
        }
      });
    }
    const args = [
      regionOf(0) * 4,
      STRIDE * 4,
      ...[KT, KR, VT, QH, DOH, LR, DR, DQ, DK, DV, PT, DS].map((x) => x * 4),
    ];
    args.push(at, gh, sq, sk, dimP, dvP, bq, bk, bkP);
    rt.run('flashBackwardTask', args, n, parallel, undefined, perJob * n);
    for (let s = 0; s < n; s++) {
      const { b, g } = jobs[w0 + s];
      const base = regionOf(s);
      groups[g].forEach((h, hh) => {
        const head = b * heads + h;
        for (let i = 0; i < sq; i++) {
          const src = base + DQ + (hh * sq + i) * dimP;
          for (let t = 0; t < dim; t++) dq[(head * sq + i) * dim + t] = H[src + t];
        }
      });
      const kvBase = (b * kvHeads + g) * sk;
      for (let c = 0; c < sk; c++) {
        for (let t = 0; t < dim; t++) dk[(kvBase + c) * dim + t] = H[base + DK + c * dimP + t] * scale;
        for (let t = 0; t < dv; t++) dvData[(kvBase + c) * dv + t] = H[base + DV + c * dvP + t];
      }
    }
  }
}

/** The backward kernel with a wasm tile cache of its own; each flash op definition makes one. */
export const flashBackwardKernel = (): CpuKernel<FlashAttrs> => withWasmTiles(flashBackward);

/** The backward kernel for callers outside the op definitions, with a cache of its own. */
export const flashBackwardCpu: CpuKernel<FlashAttrs> = flashBackwardKernel();
