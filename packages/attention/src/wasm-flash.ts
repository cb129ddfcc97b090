/**
 * The f32 flash forward as one WebAssembly function, so that query blocks run on the CPU
 * backend's worker threads (CpuKernelEnv.wasmModule) with no JavaScript between tiles:
 *
 *   flashTask(q, kt, v, o, ml, lohi, scratch, heads, sq, dimP, dvP, bq, bk, bkP, tasks, task)
 *
 * over one kv head's packed operands (byte offsets; dimP, dvP, bkP multiples of 8):
 * - q:  Q·scale of the `heads` query heads sharing the kv head, [heads][sq][dimP];
 * - kt: Kᵀ as one [dimP][bkP] tile per key block of `bk` keys;
 * - v:  V as [sk + 8][dvP] (rows past sk and columns past dv zero);
 * - lohi: the visible key range [lo[i], hi[i]) of each query row i (i32, lo then hi, sq each).
 * It writes O = softmax(S)·V rows [heads][sq][dvP] at `o` (zero rows for rows that see no key)
 * and each row's running max m and sum l at `ml` ([heads·sq][2]); the caller forms
 * L = m + log l. Task t of `tasks` takes query blocks t, t + tasks, … of all heads (interleaved,
 * so causal blocks of different cost spread evenly) and uses the scratch at
 * scratch + t·flashTaskScratchFloats(bq, bkP, dvP, dimP)·4: the score tile S, the output
 * accumulator, m, l, and the block's Q and P in panels of four rows.
 *
 * Per query block Q is transposed into panels of four rows (gemm_panel's layout, so that a k
 * step splats four adjacent floats). Per key block the tile S = (Q·scale)·Kᵀ is one call of
 * gemm_panel; each row then masks keys outside its range to −∞, takes its max, rescales its
 * accumulator by e^(m − m') when the max grew, and turns S into P = e^(S − m') in place (four
 * lanes at a time, −∞ → exactly 0); P is transposed into panels and O += P·V is a second
 * gemm_panel. Rows are normalized once, at the end.
 */
import {
  BASELINE_FEATURES,
  emitExp4,
  emitTranspose4Store,
  expShiftFunction,
  FunctionBuilder,
  type WasmFeatures,
} from '@tessera/core/wasm';
import { gemmFunction, gemmPanelFunction } from './wasm-gemm.js';

/** Indices of the tile products in the module (the tasks call them). */
const GEMM = 0;
const GEMM_PANEL = 1;

/**
 * An emitter of `transpose(src, rowLen, valid, rows4, len, dst)` (all i32 locals; rowLen and len
 * in floats, len a multiple of 4): rows [0, rows4) of the row-major matrix at src (rowLen floats
 * apart), columns [0, len), into gemm_panel's layout at dst — panels of four rows, k-major,
 * len·4 floats each — with rows from `valid` on read as zeros, by 4×4 blocks (emitTranspose4Store).
 */
function panelTransposer(f: FunctionBuilder) {
  const [r0, t, d, rowB] = Array.from({ length: 4 }, () => f.local('i32'));
  const vin = Array.from({ length: 4 }, () => f.local('v128'));
  const u = Array.from({ length: 4 }, () => f.local('v128'));
  return (src: number, rowLen: number, valid: number, rows4: number, len: number, dst: number) => {
    f.get(rowLen).i32(2).op('i32.shl').set(rowB);
    f.get(dst).set(d);
    f.i32(0).set(r0);
    f.forLt(r0, rows4, 4, () => {
      f.i32(0).set(t);
      f.forLt(t, len, 4, () => {
        for (let r = 0; r < 4; r++) {
          f.get(r0).i32(r).op('i32.add').get(valid).op('i32.lt_u').if('v128');
          f.get(src).get(r0).i32(r).op('i32.add').get(rowB).op('i32.mul').op('i32.add');
          f.get(t).i32(2).op('i32.shl').op('i32.add').load('v128');
          f.else().f32x4(0).end().set(vin[r]);
        }
        emitTranspose4Store(f, vin, u, d);
        f.inc(d, 64);
      });
    });
  };
}

/** Floats of one flashTask task's scratch (see flashTask): bq rounded up to 4 for the panels. */
export function flashTaskScratchFloats(bq: number, bkP: number, dvP: number, dimP: number): number {
  const bq4 = Math.ceil(bq / 4) * 4;
  return bq4 * (2 * bkP + dvP + dimP) + 2 * bq;
}

/** Small emitters both task functions use; `p` is an i32 scratch local. */
function rowHelpers(f: FunctionBuilder, lohi: number, hiBase: number, p: number) {
  /** Pushes min(a, b) of two i32 locals (signed). */
  const minI = (a: number, b: number) => f.get(a).get(b).get(a).get(b).op('i32.lt_s').op('select');
  /** Pushes max(a, b) of two i32 locals (signed). */
  const maxI = (a: number, b: number) => f.get(a).get(b).get(a).get(b).op('i32.gt_s').op('select');
  /** Pushes lo[row] (which = 0) or hi[row] (which = 1) for the row in local `row`. */
  const bound = (row: number, which: 0 | 1) => {
    f.get(which ? hiBase : lohi)
      .get(row)
      .i32(2)
      .op('i32.shl')
      .op('i32.add')
      .load('i32');
  };
  /** Fills bytes [local from, local to) with f32 `x`, one float at a time. */
  const fill = (from: number, to: number, x: number) => {
    f.get(from).set(p);
    f.forLt(p, to, 4, () => f.get(p).f32(x).store('f32'));
  };
  /**
   * Sets cLo = min(max(lo[i] − j0, 0), cols) and cHi = max(cLo, min(hi[i] − j0, cols)), row i's visible
   * columns of the key tile at j0, and writes −∞ over the rest of the row's bytes [row, rowEnd),
   * so that their exponentials are 0. `end` is scratch.
   */
  const keyWindow = (w: KeyWindowLocals) => {
    bound(w.i, 0);
    f.get(w.j0).op('i32.sub').set(w.cLo);
    f.i32(0).set(p);
    maxI(w.cLo, p);
    f.set(w.cLo);
    // A row whose range starts past this tile sees none of it: cLo ≤ cols keeps the −∞ fill inside the row.
    minI(w.cLo, w.cols);
    f.set(w.cLo);
    bound(w.i, 1);
    f.get(w.j0).op('i32.sub').set(w.cHi);
    minI(w.cHi, w.cols);
    f.set(w.cHi);
    maxI(w.cHi, w.cLo);
    f.set(w.cHi);
    f.get(w.row).get(w.cLo).i32(2).op('i32.shl').op('i32.add').set(w.end);
    fill(w.row, w.end, Number.NEGATIVE_INFINITY);
    f.get(w.row).get(w.cHi).i32(2).op('i32.shl').op('i32.add').set(w.end);
    fill(w.end, w.rowEnd, Number.NEGATIVE_INFINITY);
  };
  return { minI, maxI, bound, fill, keyWindow };
}

/** The locals keyWindow reads (i, j0, cols, row, rowEnd) and sets (cLo, cHi, end). */
interface KeyWindowLocals {
  i: number;
  j0: number;
  cols: number;
  cLo: number;
  cHi: number;
  row: number;
  rowEnd: number;
  end: number;
}

function flashTaskFunction(): FunctionBuilder {
  const f = new FunctionBuilder('flashTask', new Array(16).fill('i32'));
  const [q, kt, v, o, ml, lohi, scratch, heads, sq, dimP, dvP, bq, bk, bkP, tasks, task] = Array.from(
    { length: 16 },
    (_, i) => i,
  );
  const i32 = () => f.local('i32');
  const [S, acc, mRow, lRow, hiBase, qBlocks, items, w, hh, i0, rows, qBase, kLo, kHi, j0, cols, colsP] =
    Array.from({ length: 17 }, i32);
  const [r, i, sRow, sEnd, cLo, cHi, p, end, aRow, aEnd, outRow] = Array.from({ length: 11 }, i32);
  const [rowMax, mOld, mNew, alpha, sum, inv] = Array.from({ length: 6 }, () => f.local('f32'));
  const [vx, vk, vy, vacc, shift, vacc2] = Array.from({ length: 6 }, () => f.local('v128'));
  const [bq4, rows4, qp, pt] = Array.from({ length: 4 }, i32);
  const transpose = panelTransposer(f);

  const { minI, bound, fill, keyWindow } = rowHelpers(f, lohi, hiBase, p);

  // Scratch of this task (flashTaskScratchFloats): S [bq4][bkP], the accumulator [bq4][dvP],
  // m [bq], l [bq], Q's block in panels [bq4][dimP], P in panels [bq4][bkP] (bq4: bq rounded up to 4).
  f.get(bq).i32(3).op('i32.add').i32(-4).op('i32.and').set(bq4);
  f.get(scratch);
  f.get(bq4).get(bkP).i32(1).op('i32.shl').get(dvP).op('i32.add').get(dimP).op('i32.add').op('i32.mul');
  f.get(bq).i32(1).op('i32.shl').op('i32.add').i32(2).op('i32.shl');
  f.get(task).op('i32.mul').op('i32.add').set(S);
  f.get(S).get(bq4).get(bkP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(acc);
  f.get(acc).get(bq4).get(dvP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(mRow);
  f.get(mRow).get(bq).i32(2).op('i32.shl').op('i32.add').set(lRow);
  f.get(lRow).get(bq).i32(2).op('i32.shl').op('i32.add').set(qp);
  f.get(qp).get(bq4).get(dimP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(pt);
  f.get(lohi).get(sq).i32(2).op('i32.shl').op('i32.add').set(hiBase);
  // items = heads · ⌈sq / bq⌉
  f.get(sq).get(bq).op('i32.add').i32(1).op('i32.sub').get(bq).op('i32.div_u').set(qBlocks);
  f.get(heads).get(qBlocks).op('i32.mul').set(items);

  f.get(task).set(w);
  f.forLt(w, items, { local: tasks }, () => {
    // Query block (hh, i0) of `rows` rows.
    f.get(w).get(qBlocks).op('i32.div_u').set(hh);
    f.get(w).get(hh).get(qBlocks).op('i32.mul').op('i32.sub').get(bq).op('i32.mul').set(i0);
    f.get(sq).get(i0).op('i32.sub').set(rows);
    minI(rows, bq);
    f.set(rows);
    f.get(rows).i32(3).op('i32.add').i32(-4).op('i32.and').set(rows4);
    f.get(q).get(hh).get(sq).op('i32.mul').get(i0).op('i32.add').get(dimP).op('i32.mul').i32(2);
    f.op('i32.shl').op('i32.add').set(qBase);
    // The block's rows of Q·scale in panels of four (rows past `rows` zero).
    transpose(qBase, dimP, rows, rows4, dimP, qp);
    // Accumulator 0 (the padding rows too: gemm_panel adds to them), m −∞, l 0.
    f.get(acc).set(p);
    f.get(acc).get(rows4).get(dvP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(end);
    f.forLt(p, end, 16, () => f.get(p).f32x4(0).store('v128'));
    f.get(mRow).get(rows).i32(2).op('i32.shl').op('i32.add').set(end);
    fill(mRow, end, Number.NEGATIVE_INFINITY);
    f.get(lRow).get(rows).i32(2).op('i32.shl').op('i32.add').set(end);
    fill(lRow, end, 0);
    // Key blocks some row of the block sees: from the block holding lo[i0] up to hi[last row].
    bound(i0, 0);
    f.set(kLo);
    f.get(i0).get(rows).op('i32.add').i32(1).op('i32.sub').set(i);
    bound(i, 1);
    f.set(kHi);
    f.get(kLo).get(bk).op('i32.div_u').get(bk).op('i32.mul').set(j0);
    f.forLt(
      j0,
      kHi,
      { local: bk },
      () => {
        f.get(kHi).get(j0).op('i32.sub').set(cols);
        minI(cols, bk);
        f.set(cols);
        f.get(cols).i32(7).op('i32.add').i32(-8).op('i32.and').set(colsP);
        // S = (Q·scale)·Kᵀ over the tile's padded columns (rows4 rows)
        f.get(qp).get(dimP).i32(4).op('i32.shl');
        f.get(kt).get(j0).get(bk).op('i32.div_u').get(dimP).op('i32.mul').get(bkP).op('i32.mul').i32(2);
        f.op('i32.shl').op('i32.add');
        f.get(bkP).i32(2).op('i32.shl');
        f.get(S).get(bkP).i32(2).op('i32.shl');
        f.get(rows4).get(colsP).get(dimP).i32(0).call(GEMM_PANEL);
        // Each row: mask, max, rescale, exponentiate.
        f.i32(0).set(r);
        f.forLt(r, rows, 1, () => {
          f.block();
          f.get(i0).get(r).op('i32.add').set(i);
          f.get(S).get(r).get(bkP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(sRow);
          // S outside the row's visible columns [cLo, cHi) (and in the padding up to colsP) ← −∞.
          f.get(sRow).get(colsP).i32(2).op('i32.shl').op('i32.add').set(sEnd);
          keyWindow({ i, j0, cols, cLo, cHi, row: sRow, rowEnd: sEnd, end });
          // Row max, eight lanes at a time in two accumulators (colsP is a multiple of 8), with
          // pmax (one instruction; max is a NaN-exact sequence of several, and the chain of them
          // measured 11 % of the forward). A NaN score is passed over here and still makes the
          // row NaN through its exponential.
          f.f32x4(Number.NEGATIVE_INFINITY).set(vacc);
          f.f32x4(Number.NEGATIVE_INFINITY).set(vacc2);
          f.get(sRow).set(p);
          f.forLt(p, sEnd, 32, () => {
            f.get(vacc).get(p).load('v128').simd('f32x4.pmax').set(vacc);
            f.get(vacc2).get(p).load('v128', 16).simd('f32x4.pmax').set(vacc2);
          });
          f.get(vacc).get(vacc2).simd('f32x4.pmax').set(vacc);
          f.get(vacc).simd('f32x4.extract_lane', 0);
          for (let lane = 1; lane < 4; lane++) f.get(vacc).simd('f32x4.extract_lane', lane).op('f32.max');
          f.set(rowMax);
          // A row that sees nothing here adds P = 0 to the product.
          f.get(rowMax).f32(Number.NEGATIVE_INFINITY).op('f32.eq').if();
          fill(sRow, sEnd, 0);
          f.br(1).end();
          // m' = max(m, rowmax); α = e^(m − m') where the max grew (0 while m = −∞), else 1
          // (the exponential, a long dependent chain per row and key block, only then)
          f.get(mRow).get(r).i32(2).op('i32.shl').op('i32.add').set(aRow);
          f.get(aRow).load('f32').set(mOld);
          f.get(mOld).get(rowMax).op('f32.max').set(mNew);
          f.get(aRow).get(mNew).store('f32');
          f.f32(1).set(alpha);
          f.get(mNew).get(mOld).op('f32.gt').if();
          f.get(mOld).get(mNew).op('f32.sub').simd('f32x4.splat').set(vx);
          emitExp4(f, vx, vk, vy);
          f.get(vy).simd('f32x4.extract_lane', 0).set(alpha);
          // accumulator row ·= α
          f.get(alpha).f32(1).op('f32.ne').if();
          f.get(acc).get(r).get(dvP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(p);
          f.get(p).get(dvP).i32(2).op('i32.shl').op('i32.add').set(aEnd);
          f.get(alpha).simd('f32x4.splat').set(vacc);
          f.forLt(p, aEnd, 16, () => f.get(p).get(p).load('v128').get(vacc).simd('f32x4.mul').store('v128'));
          f.end();
          f.end();
          // P = e^(S − m') in place; sum of the row
          f.get(mNew).simd('f32x4.splat').set(shift);
          f.f32x4(0).set(vacc);
          f.get(sRow).set(p);
          f.forLt(p, sEnd, 16, () => {
            f.get(p).load('v128').get(shift).simd('f32x4.sub').set(vx);
            emitExp4(f, vx, vk, vy);
            f.get(p).get(vy).store('v128');
            f.get(vacc).get(vy).simd('f32x4.add').set(vacc);
          });
          f.get(vacc).simd('f32x4.extract_lane', 0);
          for (let lane = 1; lane < 4; lane++) f.get(vacc).simd('f32x4.extract_lane', lane).op('f32.add');
          f.set(sum);
          // l = α·l + sum
          f.get(lRow).get(r).i32(2).op('i32.shl').op('i32.add').set(aRow);
          f.get(aRow).get(alpha).get(aRow).load('f32').op('f32.mul').get(sum).op('f32.add').store('f32');
          f.end();
        });
        // O += P·V over the tile's keys, P in panels of four rows
        transpose(S, bkP, rows, rows4, colsP, pt);
        f.get(pt).get(colsP).i32(4).op('i32.shl');
        f.get(v).get(j0).get(dvP).op('i32.mul').i32(2).op('i32.shl').op('i32.add');
        f.get(dvP).i32(2).op('i32.shl');
        f.get(acc).get(dvP).i32(2).op('i32.shl');
        f.get(rows4).get(dvP).get(cols).i32(1).call(GEMM_PANEL);
      },
      true,
    );
    // Normalize once: O = acc / l (0 for a row with l = 0); export m and l.
    f.i32(0).set(r);
    f.forLt(r, rows, 1, () => {
      f.get(lRow).get(r).i32(2).op('i32.shl').op('i32.add').load('f32').set(sum);
      f.get(hh).get(sq).op('i32.mul').get(i0).op('i32.add').get(r).op('i32.add').set(outRow);
      f.get(ml).get(outRow).i32(3).op('i32.shl').op('i32.add').set(aRow);
      f.get(aRow).get(mRow).get(r).i32(2).op('i32.shl').op('i32.add').load('f32').store('f32');
      f.get(aRow).get(sum).store('f32', 4);
      f.f32(1).get(sum).op('f32.div').f32(0).get(sum).f32(0).op('f32.ne').op('select').set(inv);
      f.get(inv).simd('f32x4.splat').set(vacc);
      f.get(o).get(outRow).get(dvP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(end);
      f.get(acc).get(r).get(dvP).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(p);
      f.get(p).get(dvP).i32(2).op('i32.shl').op('i32.add').set(aEnd);
      f.forLt(p, aEnd, 16, () => {
        f.get(end).get(p).load('v128').get(vacc).simd('f32x4.mul').store('v128');
        f.inc(end, 16);
      });
    });
  });
  return f;
}

/**
 * flashBackwardTask(base, stride, kt, kr, vt, q, dO, lr, dr, dq, dk, dv, pt, ds, lohi, heads, sq,
 *                   sk, dimP, dvP, bq, bk, bkP, task)
 *
 * The flash backward of one job — one kv head and the `heads` query heads sharing it — whose
 * region starts at base + task·stride (bytes); the other offsets are relative to it:
 * kt: (K·scale)ᵀ as one [dimP][bkP] tile per key block; kr: K·scale rows [sk + 8][dimP];
 * vt: Vᵀ tiles [dvP][bkP] per key block; per query head (consecutive): q [sq][dimP], dO [sq][dvP],
 * L and D = rowsum(dO∘O) − dL [sq] each; outputs dQ [heads][sq][dimP] and, summed over the
 * heads, dK [sk + 8][dimP] (to be multiplied by the scale) and dV [sk + 8][dvP], zeroed by the
 * caller; scratch tiles pt, ds [bq][bkP]. Key blocks outer, query blocks inner; per tile:
 *   P = e^(S − L) (0 outside each row's key range, and for rows with L = −∞),
 *   dS = P∘(dO Vᵀ − D),  dV += Pᵀ dO,  dK += dSᵀ Q,  dQ += dS (K·scale).
 * lohi (absolute) holds each query row's key range, as for flashTask.
 */
function flashBackwardTaskFunction(): FunctionBuilder {
  const f = new FunctionBuilder('flashBackwardTask', new Array(24).fill('i32'));
  const [base, stride, kt, kr, vt, q, dO, lr, dr, dq, dk, dv, pt, ds, lohi, heads, sq, sk, dimP, dvP] =
    Array.from({ length: 20 }, (_, i) => i);
  const [bq, bk, bkP, task] = [20, 21, 22, 23];
  const i32 = () => f.local('i32');
  const [hiBase, hh, qH, doH, lH, dH, dqH, j0, cols, n8, i0, rows, ktB, vtB] = Array.from(
    { length: 14 },
    i32,
  );
  const [r, i, pRow, dRow, rowEnd, cLo, cHi, p, end] = Array.from({ length: 9 }, i32);
  const [li, di] = [f.local('f32'), f.local('f32')];
  const [vx, vk, vy, shift, vd] = Array.from({ length: 5 }, () => f.local('v128'));
  const { minI, bound, fill, keyWindow } = rowHelpers(f, lohi, hiBase, p);
  /** local ← local + (index · words) · 4, for locals `index` and `words`. */
  const offset = (target: number, from: number, index: number, words: number) =>
    f.get(from).get(index).get(words).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(target);
  /** Pushes the byte stride of a row of `words` floats. */
  const rowBytes = (words: number) => f.get(words).i32(2).op('i32.shl');

  // Rebase the region offsets on this task's job.
  f.get(base).get(task).get(stride).op('i32.mul').op('i32.add').set(base);
  for (const x of [kt, kr, vt, q, dO, lr, dr, dq, dk, dv, pt, ds]) f.get(x).get(base).op('i32.add').set(x);
  f.get(lohi).get(sq).i32(2).op('i32.shl').op('i32.add').set(hiBase);

  f.i32(0).set(hh);
  f.forLt(hh, heads, 1, () => {
    // This query head's q, dO, L, D and dQ.
    f.get(hh).get(sq).op('i32.mul').set(p);
    offset(qH, q, p, dimP);
    offset(doH, dO, p, dvP);
    offset(dqH, dq, p, dimP);
    f.get(lr).get(p).i32(2).op('i32.shl').op('i32.add').set(lH);
    f.get(dr).get(p).i32(2).op('i32.shl').op('i32.add').set(dH);
    f.i32(0).set(j0);
    f.forLt(
      j0,
      sk,
      { local: bk },
      () => {
        f.get(sk).get(j0).op('i32.sub').set(cols);
        minI(cols, bk);
        f.set(cols);
        f.get(cols).i32(7).op('i32.add').i32(-8).op('i32.and').set(n8);
        // The key block's tiles: (j0 / bk)·dimP·bkP and ·dvP·bkP floats in.
        f.get(j0).get(bk).op('i32.div_u').get(bkP).op('i32.mul').set(p);
        offset(ktB, kt, p, dimP);
        offset(vtB, vt, p, dvP);
        f.i32(0).set(i0);
        f.forLt(
          i0,
          sq,
          { local: bq },
          () => {
            f.block();
            f.get(sq).get(i0).op('i32.sub').set(rows);
            minI(rows, bq);
            f.set(rows);
            // Skip query blocks that see none of these keys (causal / varlen structure).
            f.get(i0).get(rows).op('i32.add').i32(1).op('i32.sub').set(i);
            bound(i, 1);
            f.get(j0).op('i32.le_s');
            bound(i0, 0);
            f.get(j0).get(cols).op('i32.add').op('i32.ge_s');
            f.op('i32.or').brIf(0);
            // S = Q (K·scale)ᵀ into pt
            offset(p, qH, i0, dimP);
            f.get(p);
            rowBytes(dimP);
            f.i32(4).get(ktB);
            rowBytes(bkP);
            f.get(pt);
            rowBytes(bkP);
            f.get(rows).get(n8).get(dimP).i32(0).call(GEMM);
            // dP = dO Vᵀ into ds
            offset(p, doH, i0, dvP);
            f.get(p);
            rowBytes(dvP);
            f.i32(4).get(vtB);
            rowBytes(bkP);
            f.get(ds);
            rowBytes(bkP);
            f.get(rows).get(n8).get(dvP).i32(0).call(GEMM);
            // Each row: P = e^(S − L) on its key range (0 elsewhere), dS = P∘(dP − D).
            f.i32(0).set(r);
            f.forLt(r, rows, 1, () => {
              f.get(i0).get(r).op('i32.add').set(i);
              f.get(lH).get(i).i32(2).op('i32.shl').op('i32.add').load('f32').set(li);
              f.get(dH).get(i).i32(2).op('i32.shl').op('i32.add').load('f32').set(di);
              f.get(r).get(bkP).op('i32.mul').i32(2).op('i32.shl').set(p);
              f.get(pt).get(p).op('i32.add').set(pRow);
              f.get(ds).get(p).op('i32.add').set(dRow);
              f.get(pRow).get(n8).i32(2).op('i32.shl').op('i32.add').set(rowEnd);
              // S ← −∞ outside the row's visible columns and in the padding, so that P is 0 there.
              keyWindow({ i, j0, cols, cLo, cHi, row: pRow, rowEnd, end });
              // A row with L = −∞ saw no key in the forward: P = 0 on the whole row.
              f.get(li).f32(Number.NEGATIVE_INFINITY).op('f32.eq').if();
              fill(pRow, rowEnd, Number.NEGATIVE_INFINITY);
              f.f32(0).set(li);
              f.end();
              f.get(li).simd('f32x4.splat').set(shift);
              f.get(di).simd('f32x4.splat').set(vd);
              f.get(pRow).set(p);
              f.get(dRow).set(end);
              f.forLt(p, rowEnd, 16, () => {
                f.get(p).load('v128').get(shift).simd('f32x4.sub').set(vx);
                emitExp4(f, vx, vk, vy);
                f.get(p).get(vy).store('v128');
                // dS = P∘(dP − D), and exactly 0 where P is (dP − D may not be finite there).
                f.get(end).get(vy).get(end).load('v128').get(vd).simd('f32x4.sub').simd('f32x4.mul');
                f.get(vy).f32x4(0).simd('f32x4.ne').simd('v128.and').store('v128');
                f.inc(end, 16);
              });
            });
            // dV += Pᵀ dO (op(A) = Pᵀ: the key index steps one float, the row index a tile row)
            f.get(pt).i32(4);
            rowBytes(bkP);
            offset(p, doH, i0, dvP);
            f.get(p);
            rowBytes(dvP);
            offset(end, dv, j0, dvP);
            f.get(end);
            rowBytes(dvP);
            f.get(cols).get(dvP).get(rows).i32(1).call(GEMM);
            // dK += dSᵀ Q
            f.get(ds).i32(4);
            rowBytes(bkP);
            offset(p, qH, i0, dimP);
            f.get(p);
            rowBytes(dimP);
            offset(end, dk, j0, dimP);
            f.get(end);
            rowBytes(dimP);
            f.get(cols).get(dimP).get(rows).i32(1).call(GEMM);
            // dQ += dS (K·scale)
            f.get(ds);
            rowBytes(bkP);
            f.i32(4);
            offset(p, kr, j0, dimP);
            f.get(p);
            rowBytes(dimP);
            offset(end, dqH, i0, dimP);
            f.get(end);
            rowBytes(dimP);
            f.get(rows).get(dimP).get(cols).i32(1).call(GEMM);
            f.end();
          },
          true,
        );
      },
      true,
    );
  });
  return f;
}

/**
 * The module's functions: the tile products first (the tasks call them by index), the row
 * exponential, the forward and backward tasks. Passed by identity to `env.wasmModule`, which compiles the
 * module once per backend.
 */
export function flashModuleFunctions(features: WasmFeatures = BASELINE_FEATURES): readonly FunctionBuilder[] {
  return [
    gemmFunction(features.relaxedSimd),
    gemmPanelFunction(features.relaxedSimd),
    expShiftFunction(),
    flashTaskFunction(),
    flashBackwardTaskFunction(),
  ];
}
