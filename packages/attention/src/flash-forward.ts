import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput } from '@tessera/core';
import type { WasmModule } from '@tessera/core/wasm';
import { DropoutMask } from './dropout-mask.js';
import type { FlashAttrs } from './flash-attrs.js';
import { flashProblem, kvJobs, maskRow, packCols, packRows, strided4 } from './strided.js';
import { pad8, tileEngine } from './tile-gemm.js';
import { flashModuleFunctions, flashTaskScratchFloats } from './wasm-flash.js';
import { type WasmTileSource, withWasmTiles } from './wasm-gemm.js';

/**
 * FlashAttention forward on the CPU. Inputs q [b, h, sq, d], k [b, hk, sk, d], v [b, hk, sk, dv]
 * and an optional mask broadcastable to [b, h, sq, sk] (bool: true keeps; float: added to S).
 * Outputs O [b, h, sq, dv] and L [b, h, sq] = logsumexp of each score row (−∞ for a row that
 * sees no key, whose output is 0).
 *
 * Query blocks are the outer loop and key/value blocks the inner one, so a packed K/V tile is
 * reused by every row of the query block and the sq×sk scores never exist. Per row, with
 * S = Q Kᵀ·scale (+ mask) for the current tile (online softmax):
 *   m' = max(m, rowmax(S))
 *   l' = e^(m−m')·l + rowsum(e^(S−m'))
 *   O' = e^(m−m')·O + e^(S−m')·V
 * and once at the end O = O/l, L = m + log l. Query head h reads kv head ⌊h·hk/h⌋ (grouped-query
 * attention without copying K/V per head). Dropout scales e^(S−m') by the kept factor in O only;
 * l stays the undropped normalizer.
 */
function flashForward(
  inputs: CpuInput[],
  outputs: CpuOutput[],
  attrs: FlashAttrs,
  wasm: WasmTileSource,
  env: CpuKernelEnv | undefined,
): void {
  const [qIn, , , maskIn] = inputs;
  // The common case — f32, no mask, no dropout — runs whole in WebAssembly on the backend's threads.
  if (qIn.dtype === 'f32' && !maskIn && attrs.dropout === 0 && attrs.simd !== false) {
    const rt = env?.wasmModule(flashModuleFunctions);
    if (rt) {
      flashForwardThreaded(rt, inputs, outputs, attrs);
      return;
    }
  }
  const [oOut, lseOut] = outputs;
  const { batch, heads, kvHeads, sq, sk, dim, dv, q, k, v, lo, hi, bq, bk, dimP, dvP, bkP, keyBlocks } =
    flashProblem(inputs, attrs);
  const mask = maskIn ? strided4(maskIn) : null;
  const boolMask = maskIn?.dtype === 'bool';
  const drop = attrs.dropout > 0 ? new DropoutMask(attrs.dropoutKey, attrs.dropoutBase, attrs.dropout) : null;

  // Scratch, padded to the products' 8-column blocks: Kᵀ and V of the current kv head, packed
  // once per head and read by every query block (Kᵀ as one contiguous [d×bk] tile per key
  // block, so a tile's rows are not a whole sequence apart), then the tiles Q [bq×d],
  // S/P [bq×bk] and O [bq×dv].
  const KT = 0;
  const VH = KT + keyBlocks * dimP * bkP;
  const QT = VH + (sk + 8) * dvP;
  const ST = QT + bq * dimP;
  const ACC = ST + bq * bkP;
  const engine = tileEngine(qIn.dtype === 'f64', ACC + bq * dvP, attrs.simd ?? true, wasm);
  const H = engine.heap;
  const m = new Float64Array(bq);
  const l = new Float64Array(bq);
  const o = oOut.data;
  const lse = lseOut.data;

  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor((h * kvHeads) / heads);
      const head = b * heads + h;
      // Query heads of one group share their kv head: pack it when it changes.
      if (h === 0 || hk !== Math.floor(((h - 1) * kvHeads) / heads)) {
        for (let j0 = 0; j0 < sk; j0 += bk) {
          packCols(k, b, hk, j0, Math.min(bk, sk - j0), dim, 1, H, KT + (j0 / bk) * dimP * bkP, bkP);
        }
        packRows(v, b, hk, 0, sk, dv, 1, H, VH, dvP);
      }
      for (let i0 = 0; i0 < sq; i0 += bq) {
        const rows = Math.min(bq, sq - i0);
        // Scale folded into Q once per block instead of into every score.
        packRows(q, b, h, i0, rows, dim, attrs.scale, H, QT, dimP);
        H.fill(0, ACC, ACC + bq * dvP);
        m.fill(Number.NEGATIVE_INFINITY);
        l.fill(0);
        // Causal and varlen block skipping: only key blocks some row of this block can see.
        const kLo = lo[i0];
        const kHi = hi[i0 + rows - 1];
        // Tiles start on the packed key blocks; rows mask off keys before lo[i] themselves.
        for (let j0 = Math.floor(kLo / bk) * bk; j0 < kHi; j0 += bk) {
          const cols = Math.min(bk, kHi - j0);
          // S = (Q·scale) Kᵀ for the whole tile; rows then turn their part into P in place.
          engine.gemm(QT, dimP, 1, KT + (j0 / bk) * dimP * bkP, bkP, ST, bkP, rows, pad8(cols), dimP, false);
          for (let r = 0; r < rows; r++) {
            const i = i0 + r;
            const so = ST + r * bkP;
            const cLo = Math.max(lo[i] - j0, 0);
            const cHi = Math.max(cLo, Math.min(hi[i] - j0, cols));
            let rowMax = Number.NEGATIVE_INFINITY;
            for (let c = cLo; c < cHi; c++) {
              let s = H[so + c];
              if (mask) {
                const mv = mask.data[maskRow(mask, b, h, i) + (j0 + c) * mask.strides[3]];
                if (boolMask) {
                  if (!mv) s = Number.NEGATIVE_INFINITY;
                } else s += mv;
                H[so + c] = s;
              }
              if (s > rowMax) rowMax = s;
            }
            if (rowMax === Number.NEGATIVE_INFINITY) {
              // Nothing visible in this tile: the row adds P = 0 to the product below.
              H.fill(0, so, so + cols);
              continue;
            }
            const mOld = m[r];
            const mNew = mOld > rowMax ? mOld : rowMax;
            const alpha = Math.exp(mOld - mNew);
            const ao = ACC + r * dvP;
            if (alpha !== 1) for (let t = 0; t < dv; t++) H[ao + t] *= alpha;
            H.fill(0, so, so + cLo);
            H.fill(0, so + cHi, so + cols);
            let sum = 0;
            if (mask) {
              // Masked scores are −∞ and must give exactly 0, so these rows stay in JS.
              for (let c = cLo; c < cHi; c++) {
                const p = Math.exp(H[so + c] - mNew);
                H[so + c] = p;
                sum += p;
              }
            } else sum = engine.expShift(so + cLo, cHi - cLo, mNew);
            if (drop) {
              const eRow = (head * sq + i) * sk + j0;
              for (let c = cLo; c < cHi; c++) H[so + c] *= drop.factor(eRow + c);
            }
            l[r] = alpha * l[r] + sum;
            m[r] = mNew;
          }
          // O += P V over the tile (rows × cols times cols × dv).
          engine.gemm(ST, bkP, 1, VH + j0 * dvP, dvP, ACC, dvP, rows, dvP, cols, true);
        }
        for (let r = 0; r < rows; r++) {
          const row = head * sq + i0 + r;
          const oo = row * dv;
          const ao = ACC + r * dvP;
          if (l[r] === 0) {
            // A row that sees no key: output 0 (not 0/0) and L = −∞, which backward skips.
            for (let t = 0; t < dv; t++) o[oo + t] = 0;
            lse[row] = Number.NEGATIVE_INFINITY;
            continue;
          }
          const inv = 1 / l[r];
          for (let t = 0; t < dv; t++) o[oo + t] = H[ao + t] * inv;
          lse[row] = m[r] + Math.log(l[r]);
        }
      }
    }
  }
}

/**
 * The forward of an f32 call without mask or dropout on `rt`'s threads (see wasm-flash.ts): one
 * job per (batch, kv head), whose operands — Kᵀ, V and the scaled Q of the query heads sharing
 * the kv head — are packed into the runtime's memory and whose query blocks run as tasks; then O
 * is copied out and L = m + log l formed. Operands alternate between two buffers, so the calling
 * thread copies out the previous job and packs the next one while the workers start on this one.
 */
function flashForwardThreaded(
  rt: WasmModule,
  inputs: CpuInput[],
  outputs: CpuOutput[],
  attrs: FlashAttrs,
): void {
  const [oOut, lseOut] = outputs;
  const {
    batch,
    heads,
    kvHeads,
    sq,
    sk,
    dim,
    dv,
    q,
    k,
    v,
    lo,
    hi,
    bq,
    bk,
    dimP,
    dvP,
    bkP,
    keyBlocks,
    qBlocks,
  } = flashProblem(inputs, attrs);
  const { groups, gh, jobs } = kvJobs(batch, heads, kvHeads);
  // Workers pay off once a call has some work; tiny calls (decoding one token) stay here.
  // (Each job is one hand-off: the cost model weighs a job's share of the work.)
  const parallel = rt.split('flashTask', (gh * sq * sk * dim) / jobs.length, (1 << 20) / jobs.length);
  // Small tasks (one query block each, up to 32 per thread), claimed dynamically: the threads
  // finish a job together, and one the OS deschedules delays the others by one block at most.
  const tasks = parallel ? Math.min(gh * qBlocks, 32 * rt.threads) : 1;
  // Layout of the runtime's memory, in floats from `base`: the two operand buffers (each Kᵀ, V,
  // Q, O, m/l), the key ranges, the tasks' scratch.
  const KT = 0;
  const VH = KT + keyBlocks * dimP * bkP;
  const QH = VH + (sk + 8) * dvP;
  const OH = QH + gh * sq * dimP;
  const ML = OH + gh * sq * dvP;
  const BUFFER = ML + gh * sq * 2;
  const LOHI = 2 * BUFFER;
  const SCRATCH = LOHI + 2 * sq + 4;
  const floats = SCRATCH + tasks * flashTaskScratchFloats(bq, bkP, dvP, dimP);
  const at = rt.reserve(floats * 4);
  if (at < 0)
    throw new Error(`attention.flash: ${floats * 4} bytes of scratch exceed the WebAssembly memory limit`);
  const H = rt.f32();
  rt.i32().set(lo, at / 4 + LOHI);
  rt.i32().set(hi, at / 4 + LOHI + sq);
  const o = oOut.data;
  const lse = lseOut.data;
  const bufferOf = (job: number) => at / 4 + (job % 2) * BUFFER;

  const pack = (job: number) => {
    const { b, g } = jobs[job];
    const base = bufferOf(job);
    // Padding (past dim, dv, sk) must read as zeros: clear the operands, then pack them.
    H.fill(0, base + KT, base + OH);
    for (let j0 = 0; j0 < sk; j0 += bk) {
      packCols(k, b, g, j0, Math.min(bk, sk - j0), dim, 1, H, base + KT + (j0 / bk) * dimP * bkP, bkP);
    }
    packRows(v, b, g, 0, sk, dv, 1, H, base + VH, dvP);
    groups[g].forEach((h, hh) => {
      packRows(q, b, h, 0, sq, dim, attrs.scale, H, base + QH + hh * sq * dimP, dimP);
    });
  };
  const copyOut = (job: number) => {
    const { b, g } = jobs[job];
    const base = bufferOf(job);
    groups[g].forEach((h, hh) => {
      for (let i = 0; i < sq; i++) {
        const row = (b * heads + h) * sq + i;
        const src = base + OH + (hh * sq + i) * dvP;
        o.set(H.subarray(src, src + dv), row * dv);
        const m = H[base + ML + 2 * (hh * sq + i)];
        const l = H[base + ML + 2 * (hh * sq + i) + 1];
        // A row that sees no key: output 0 (written so by the task) and L = −∞.
        lse[row] = l === 0 ? Number.NEGATIVE_INFINITY : m + Math.log(l);
      }
    });
  };

  pack(0);
  jobs.forEach(({ g }, job) => {
    const bytes = (x: number) => (bufferOf(job) + x) * 4;
    const args = [
      bytes(QH),
      bytes(KT),
      bytes(VH),
      bytes(OH),
      bytes(ML),
      (at / 4 + LOHI) * 4,
      (at / 4 + SCRATCH) * 4,
    ];
    args.push(groups[g].length, sq, dimP, dvP, bq, bk, bkP, tasks);
    // Meanwhile: the previous job's results out of the other buffer, then the next job into it.
    rt.run(
      'flashTask',
      args,
      tasks,
      parallel,
      () => {
        if (job > 0) copyOut(job - 1);
        if (job + 1 < jobs.length) pack(job + 1);
      },
      (gh * sq * sk * dim) / jobs.length,
    );
  });
  copyOut(jobs.length - 1);
}

/** The forward kernel with a wasm tile cache of its own; each flash op definition makes one. */
export const flashForwardKernel = (): CpuKernel<FlashAttrs> => withWasmTiles(flashForward);

/** The forward kernel for callers outside the op definitions, with a cache of its own. */
export const flashForwardCpu: CpuKernel<FlashAttrs> = flashForwardKernel();
