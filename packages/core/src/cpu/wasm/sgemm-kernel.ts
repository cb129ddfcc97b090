import { FunctionBuilder } from '../../wasm/emitter.js';
import {
  emitTileStep,
  emitTileStore,
  emitTranspose4Store,
  gemmTileRegisters,
  TILE_COLS,
} from '../../wasm/gemm-tile.js';

/** Rows of C per tile of the default shape (the 4×8 tile of @tessera/core/wasm's gemm-tile.ts). */
export const MR = 4;
/** Columns of C per tile: two f32x4 vectors. */
export const NR = TILE_COLS;
/** k steps per pass over a C tile: one B micro-panel (KC × NR × 4 B = 8 KiB) stays in L1. */
export const KC = 256;
/**
 * Default A rows (in MR panels) and B columns (in NR panels) per task: an A block of 64 × KC is
 * 64 KiB (L2). Small products use smaller blocks so that every thread gets several tasks.
 */
export const MC_PANELS = 16;
export const NC_PANELS = 32;

/**
 * k steps summed in registers (unrolled) before they are added to C: a two-level sum whose
 * rounding error stays near the one of the 8-step chunks before it. Worst relative error
 * (|got − f64| / max(1, |f64|)) over six 70×k·k×70 products of values in [-3, 3], median of
 * the six, by chunk: k = 70: 5.5e-6 (8), 5.6e-6 (16), 8.5e-6 (24), 8.3e-6 (32), 8.8e-6 (64);
 * k = 300: 1.54e-5, 1.35e-5, 1.42e-5, 1.63e-5, 2.06e-5; k = 1024: 3.2e-5, 3.1e-5, 3.5e-5,
 * 2.7e-5, 3.7e-5 — no chunk is better everywhere. Time of 1024³ on one thread (Zen 4, under
 * load), relative to 64: 1.10 (16), 1.05 (24), 1.03 (32); 128 was slower than 64 (the unrolled
 * code outgrows what the front end caches). 24 is the shortest chunk within 5 % of the fastest,
 * and the one of 16, 24 and 32 with which the conformance cases of 1e-5 all pass; sgemmWasm
 * sums products over k ≥ 1,024 in chunks of 64 (sgemm.ts's chunkFor).
 */
export const KCHUNK = 24;

/**
 * A register tile shape of sgemm_block: `mr` rows of C (by NR columns) held in 2·mr v128
 * accumulators, and `kchunk` k steps summed in them (unrolled) before they are added to C.
 * Shapes with the same kchunk give bit-identical results (the same sums in the same order).
 */
export interface GemmShape {
  readonly mr: number;
  readonly kchunk: number;
}

/**
 * The default shape first, then the candidates `bench:gemm-shapes` times against it. Which is
 * fastest depends on the engine's register allocator and the CPU's front end, so the default is
 * the bench's pick, not a register count assumed: on V8 for x64 (16 vector registers) on a Zen 4,
 * 1024³ on one thread ran 6-row tiles at about half the speed of 4-row ones (the splats of a step
 * are all loaded before its arithmetic, and accumulators spill); an engine with 32 vector
 * registers (ARM64) may prefer them, which the bench will show.
 */
export const GEMM_SHAPES: readonly GemmShape[] = [
  { mr: 4, kchunk: KCHUNK },
  { mr: 4, kchunk: 16 },
  { mr: 4, kchunk: 32 },
  { mr: 4, kchunk: 64 },
  { mr: 5, kchunk: KCHUNK },
  { mr: 6, kchunk: KCHUNK },
];

/** The module function names of a shape's block and task functions. */
export function shapeKernels(shape: GemmShape): { block: string; task: string } {
  const tag = `${shape.mr}x${shape.kchunk}`;
  return { block: `sgemm_block_${tag}`, task: `sgemm_task_${tag}` };
}

/**
 * `sgemm_block(ap, bp, cp, mPanels, nPanels, kc, aStride, bStride, ldc, zero)`: for every pair
 * of an A panel (mr rows × kc, k-major: A[r, p] at ap + (p·mr + r)·4) and a B panel (kc × NR,
 * B[p, c] at bp + (p·NR + c)·4), the mr×NR tile of C at cp (row pitch ldc bytes) becomes
 *   C[r, c] = (zero ? 0 : C[r, c]) + Σₚ A[r, p]·B[p, c]
 * in f32 with the shared microkernel (gemm-tile.ts): the accumulators live in registers for
 * a chunk of `kchunk` k steps. Panels follow each other aStride / bStride bytes apart; the B panel
 * is the outer loop so it stays in L1 while the A panels stream past from L2.
 */
export function sgemmBlock(fma = false, shape: GemmShape = GEMM_SHAPES[0]): FunctionBuilder {
  const { mr, kchunk } = shape;
  const f = new FunctionBuilder(shapeKernels(shape).block, Array<'i32'>(10).fill('i32'));
  const [ap, bp, cp, mPanels, nPanels, kc, aStride, bStride, ldc, zero] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const jr = f.local('i32');
  const ir = f.local('i32');
  const acur = f.local('i32');
  const ci = f.local('i32');
  const cj = f.local('i32');
  const a = f.local('i32');
  const b = f.local('i32');
  const crow = Array.from({ length: mr }, () => f.local('i32'));
  const first = f.local('i32');
  const tile = gemmTileRegisters(f, mr, fma);
  const aEnd = f.local('i32');
  // Step s of a chunk: B's row at constant offset s·NR·4 from b, A's column at a (which then
  // moves on by one step), and an exit to the chunk's store once a reaches aEnd. The exit
  // matters to V8's code: TurboFan neither hoists a step's loads above the branch before it
  // nor sinks its arithmetic below it (the store after the exit reads the accumulators), so
  // every step keeps to 2·mr + 4 vector registers. Straight-line steps without the branches
  // measured 2× slower (all loads first, then spills), and a counted inner loop per chunk pays
  // a mispredicted exit per chunk.
  const step = (s: number) => {
    emitTileStep(
      f,
      tile,
      b,
      (r) => {
        f.get(a);
        return r * 4;
      },
      s === 0,
      s * NR * 4,
    );
    f.inc(a, mr * 4);
  };

  f.i32(0).set(jr).get(cp).set(cj);
  f.forLt(jr, nPanels, 1, () => {
    f.i32(0).set(ir).get(ap).set(acur).get(cj).set(ci);
    f.forLt(ir, mPanels, 1, () => {
      // k in chunks of kchunk, each summed in fresh accumulators (its first step sets them)
      // and then added to C: a two-level sum whose rounding error is a few times smaller
      // than one long f32 sum. kc > 0 here (sgemmWasm handles k = 0).
      for (let r = 0; r < mr; r++) f.get(ci).get(ldc).i32(r).op('i32.mul').op('i32.add').set(crow[r]);
      f.get(zero).set(first).get(acur).set(a).get(bp).set(b);
      f.get(kc)
        .i32(mr * 4)
        .op('i32.mul')
        .get(a)
        .op('i32.add')
        .set(aEnd);
      f.loop();
      f.block();
      for (let s = 0; s < kchunk; s++) {
        step(s);
        if (s < kchunk - 1) f.get(a).get(aEnd).op('i32.eq').brIf(0);
      }
      f.end();
      f.inc(b, kchunk * NR * 4);
      const rowOfC = (r: number) => f.get(crow[r]);
      f.get(first).if();
      emitTileStore(f, tile, rowOfC);
      f.else();
      emitTileStore(f, tile, rowOfC, true);
      f.end();
      f.i32(0).set(first);
      f.get(a).get(aEnd).op('i32.ne').brIf(0);
      f.end();
      f.inc(acur, { local: aStride });
      f.get(ci).get(ldc).i32(mr).op('i32.mul').op('i32.add').set(ci);
    });
    f.inc(bp, { local: bStride });
    f.inc(cj, NR * 4);
  });
  return f;
}

/** Pushes min(x, y) of two i32 locals (unsigned). */
function minU(f: FunctionBuilder, x: number, y: number): void {
  f.get(x).get(y).get(x).get(y).op('i32.lt_u').op('select');
}

/**
 * `sgemm_task(aOffs, bOffs, cp, mPanels, nPanels, k, ldc, mBlocks, nBlocks, cBatch, mcp, ncp, t)`:
 * task t of a batched product is the C block (batch, mcp·mr rows, ncp·NR columns) with
 *   batch = t / (mBlocks·nBlocks), row block = (t mod …) / nBlocks, column block = t mod nBlocks.
 * Batch i's packed A and B start at the byte offsets aOffs[i] and bOffs[i] (so broadcast
 * batches share one packed copy); its C starts at cp + i·cBatch. The k range is walked in KC
 * steps, the first of which overwrites C. `blockIndex` is the function index of the shape's
 * sgemm_block.
 */
export function sgemmTask(blockIndex: number, shape: GemmShape = GEMM_SHAPES[0]): FunctionBuilder {
  const { mr } = shape;
  const f = new FunctionBuilder(shapeKernels(shape).task, Array<'i32'>(13).fill('i32'));
  const [aOffs, bOffs, cp, mPanels, nPanels, k, ldc, mBlocks, nBlocks, cBatch, mcp, ncp, t] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const per = f.local('i32');
  const bi = f.local('i32');
  const rem = f.local('i32');
  const ir0 = f.local('i32');
  const jr0 = f.local('i32');
  const mp = f.local('i32');
  const np = f.local('i32');
  const a0 = f.local('i32');
  const b0 = f.local('i32');
  const c0 = f.local('i32');
  const k0 = f.local('i32');
  const kc = f.local('i32');
  const left = f.local('i32');
  const cap = f.local('i32');

  f.get(mBlocks).get(nBlocks).op('i32.mul').set(per);
  f.get(t).get(per).op('i32.div_u').set(bi);
  f.get(t).get(per).op('i32.rem_u').set(rem);
  f.get(rem).get(nBlocks).op('i32.div_u').get(mcp).op('i32.mul').set(ir0);
  f.get(rem).get(nBlocks).op('i32.rem_u').get(ncp).op('i32.mul').set(jr0);
  f.get(mPanels).get(ir0).op('i32.sub').set(left).get(mcp).set(cap);
  minU(f, left, cap);
  f.set(mp);
  f.get(nPanels).get(jr0).op('i32.sub').set(left).get(ncp).set(cap);
  minU(f, left, cap);
  f.set(np);
  // a0 = aOffs[bi] + ir0·mr·k·4, b0 = bOffs[bi] + jr0·NR·k·4, c0 = cp + bi·cBatch + ir0·mr·ldc + jr0·NR·4
  f.get(aOffs).get(bi).i32(2).op('i32.shl').op('i32.add').load('i32');
  f.get(ir0)
    .get(k)
    .op('i32.mul')
    .i32(mr * 4)
    .op('i32.mul')
    .op('i32.add')
    .set(a0);
  f.get(bOffs).get(bi).i32(2).op('i32.shl').op('i32.add').load('i32');
  f.get(jr0)
    .get(k)
    .op('i32.mul')
    .i32(NR * 4)
    .op('i32.mul')
    .op('i32.add')
    .set(b0);
  f.get(cp).get(bi).get(cBatch).op('i32.mul').op('i32.add');
  f.get(ir0).i32(mr).op('i32.mul').get(ldc).op('i32.mul').op('i32.add');
  f.get(jr0)
    .i32(NR * 4)
    .op('i32.mul')
    .op('i32.add')
    .set(c0);
  f.i32(0).set(k0);
  // Do-while so that k = 0 still zeroes C once.
  f.loop();
  f.get(k).get(k0).op('i32.sub').set(left).i32(KC).set(cap);
  minU(f, left, cap);
  f.set(kc);
  f.get(a0)
    .get(k0)
    .i32(mr * 4)
    .op('i32.mul')
    .op('i32.add');
  f.get(b0)
    .get(k0)
    .i32(NR * 4)
    .op('i32.mul')
    .op('i32.add');
  f.get(c0).get(mp).get(np).get(kc);
  f.get(k)
    .i32(mr * 4)
    .op('i32.mul');
  f.get(k)
    .i32(NR * 4)
    .op('i32.mul');
  f.get(ldc).get(k0).op('i32.eqz').call(blockIndex);
  f.inc(k0, KC).get(k0).get(k).op('i32.lt_u').brIf(0);
  f.end();
  return f;
}

/**
 * `pack_panels(srcs, dst, slotBytes, lineB, stepB, lines, k, w, groupPanels, groups, t)`: packs
 * matrices into the panel layouts sgemm_block reads. A "line" is a row of A (w = MR) or a
 * column of B (w = NR); line l of k elements, read from srcs[slot] + l·lineB + p·stepB, goes to
 *   dst + slot·slotBytes + ((l div w)·w·k + p·w + l mod w)·4,
 * and lines past `lines` (up to a whole panel) are zero. Task t packs panels
 * [g·groupPanels, (g + 1)·groupPanels) of matrix `slot`, with slot = t div groups, g = t mod groups.
 */
export function packPanels(): FunctionBuilder {
  const f = new FunctionBuilder('pack_panels', Array<'i32'>(11).fill('i32'));
  const [srcs, dst, slotBytes, lineB, stepB, lines, k, w, groupPanels, groups, t] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ];
  const slot = f.local('i32');
  const l = f.local('i32');
  const lEnd = f.local('i32');
  const s = f.local('i32');
  const d = f.local('i32');
  const p = f.local('i32');
  const dStep = f.local('i32');
  const src = f.local('i32');
  const base = f.local('i32');
  const cap = f.local('i32');

  f.get(t).get(groups).op('i32.div_u').set(slot);
  f.get(srcs).get(slot).i32(2).op('i32.shl').op('i32.add').load('i32').set(src);
  f.get(dst).get(slot).get(slotBytes).op('i32.mul').op('i32.add').set(base);
  // l = g·groupPanels·w, lEnd = min(l + groupPanels·w, ceil(lines / w)·w)
  f.get(t).get(groups).op('i32.rem_u').get(groupPanels).op('i32.mul').get(w).op('i32.mul').set(l);
  f.get(l).get(groupPanels).get(w).op('i32.mul').op('i32.add').set(lEnd);
  f.get(lines).get(w).op('i32.add').i32(1).op('i32.sub').get(w).op('i32.div_u').get(w).op('i32.mul').set(cap);
  minU(f, lEnd, cap);
  f.set(lEnd);
  f.get(w).i32(2).op('i32.shl').set(dStep);
  f.forLt(l, lEnd, 1, () => {
    // d = base + ((l div w)·w·k + l mod w)·4
    f.get(base);
    f.get(l).get(w).op('i32.div_u').get(w).op('i32.mul').get(k).op('i32.mul');
    f.get(l).get(w).op('i32.rem_u').op('i32.add').i32(2).op('i32.shl').op('i32.add').set(d);
    f.i32(0).set(p);
    f.get(l).get(lines).op('i32.lt_u').if();
    f.get(src).get(l).get(lineB).op('i32.mul').op('i32.add').set(s);
    f.forLt(p, k, 1, () => {
      f.get(d).get(s).load('f32').store('f32');
      f.inc(d, { local: dStep }).inc(s, { local: stepB });
    });
    f.else();
    f.forLt(p, k, 1, () => {
      f.get(d).f32(0).store('f32');
      f.inc(d, { local: dStep });
    });
    f.end();
  });
  return f;
}

/**
 * `pack_contig(srcs, dst, slotBytes, stepB, lines, k, w, groupPanels, groups, t)`: pack_panels for
 * the common layout where a panel's w lines are adjacent in memory (B row-major: w = NR columns
 * of one row; A column-major, i.e. a transposed view: w = MR rows of one column). Element p of
 * line l is at srcs[slot] + p·stepB + l·4, so each (panel, p) is w/4 vector copies. A last,
 * partial panel is copied line by line and padded with zeros.
 */
export function packContig(): FunctionBuilder {
  const f = new FunctionBuilder('pack_contig', Array<'i32'>(10).fill('i32'));
  const [srcs, dst, slotBytes, stepB, lines, k, w, groupPanels, groups, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const slot = f.local('i32');
  const q = f.local('i32');
  const qEnd = f.local('i32');
  const s = f.local('i32');
  const d = f.local('i32');
  const p = f.local('i32');
  const c = f.local('i32');
  const src = f.local('i32');
  const cap = f.local('i32');
  const wB = f.local('i32');
  const dc = f.local('i32');

  f.get(w).i32(2).op('i32.shl').set(wB);
  f.get(t).get(groups).op('i32.div_u').set(slot);
  f.get(srcs).get(slot).i32(2).op('i32.shl').op('i32.add').load('i32').set(src);
  f.get(dst).get(slot).get(slotBytes).op('i32.mul').op('i32.add').set(d);
  // panels [q, qEnd) = [g·groupPanels, min((g + 1)·groupPanels, ceil(lines / w)))
  f.get(t).get(groups).op('i32.rem_u').get(groupPanels).op('i32.mul').set(q);
  f.get(q).get(groupPanels).op('i32.add').set(qEnd);
  f.get(lines).get(w).op('i32.add').i32(1).op('i32.sub').get(w).op('i32.div_u').set(cap);
  minU(f, qEnd, cap);
  f.set(qEnd);
  // d = dst slot + q·w·k·4 (panels are contiguous, so d just runs on)
  f.get(d).get(q).get(k).op('i32.mul').get(wB).op('i32.mul').op('i32.add').set(d);
  f.forLt(q, qEnd, 1, () => {
    f.i32(0).set(p);
    f.get(src).get(q).get(wB).op('i32.mul').op('i32.add').set(s);
    f.get(q).i32(1).op('i32.add').get(w).op('i32.mul').get(lines).op('i32.le_u').if();
    f.forLt(p, k, 1, () => {
      for (let v = 0; v < NR / 4; v++) {
        // w is MR (one vector) or NR (two): the second copy only when w = NR.
        if (v > 0) f.get(w).i32(4).op('i32.gt_u').if();
        f.get(d)
          .get(s)
          .load('v128', v * 16)
          .store('v128', v * 16);
        if (v > 0) f.end();
      }
      f.inc(d, { local: wB }).inc(s, { local: stepB });
    });
    f.else();
    f.forLt(p, k, 1, () => {
      f.i32(0).set(c);
      f.forLt(c, w, 1, () => {
        f.get(d).get(c).i32(2).op('i32.shl').op('i32.add').set(dc);
        f.get(q).get(w).op('i32.mul').get(c).op('i32.add').get(lines).op('i32.lt_u').if();
        f.get(dc).get(s).get(c).i32(2).op('i32.shl').op('i32.add').load('f32').store('f32');
        f.else().get(dc).f32(0).store('f32').end();
      });
      f.inc(d, { local: wB }).inc(s, { local: stepB });
    });
    f.end();
  });
  return f;
}

/**
 * `pack_a_rows(srcs, dst, slotBytes, rowB, m, k, groupPanels, groups, t)`: pack_panels for a
 * row-major A (element p of row i at srcs[slot] + i·rowB + p·4). Four rows × four k are loaded
 * as four vectors and transposed with eight shuffles, so each store writes one k step of the
 * panel (A[0..3, p]); k mod 4 tail steps and a last partial panel go element by element.
 */
export function packARows(): FunctionBuilder {
  const f = new FunctionBuilder('pack_a_rows', Array<'i32'>(9).fill('i32'));
  const [srcs, dst, slotBytes, rowB, m, k, groupPanels, groups, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const slot = f.local('i32');
  const q = f.local('i32');
  const qEnd = f.local('i32');
  const s = f.local('i32');
  const d = f.local('i32');
  const p = f.local('i32');
  const r = f.local('i32');
  const src = f.local('i32');
  const cap = f.local('i32');
  const k4 = f.local('i32');
  const dr = f.local('i32');
  const rows = f.local('i32');
  const v = Array.from({ length: 4 }, () => f.local('v128'));
  const u = Array.from({ length: 4 }, () => f.local('v128'));

  f.get(t).get(groups).op('i32.div_u').set(slot);
  f.get(srcs).get(slot).i32(2).op('i32.shl').op('i32.add').load('i32').set(src);
  f.get(t).get(groups).op('i32.rem_u').get(groupPanels).op('i32.mul').set(q);
  f.get(q).get(groupPanels).op('i32.add').set(qEnd);
  f.get(m)
    .i32(MR - 1)
    .op('i32.add')
    .i32(MR)
    .op('i32.div_u')
    .set(cap);
  minU(f, qEnd, cap);
  f.set(qEnd);
  f.get(k).i32(-4).op('i32.and').set(k4);
  f.i32(MR).set(rows);
  f.forLt(q, qEnd, 1, () => {
    // d = dst slot + q·MR·k·4; s = src + q·MR·rowB
    f.get(dst).get(slot).get(slotBytes).op('i32.mul').op('i32.add');
    f.get(q)
      .get(k)
      .op('i32.mul')
      .i32(MR * 4)
      .op('i32.mul')
      .op('i32.add')
      .set(d);
    f.get(src).get(q).i32(MR).op('i32.mul').get(rowB).op('i32.mul').op('i32.add').set(s);
    f.i32(0).set(p);
    f.get(q).i32(1).op('i32.add').i32(MR).op('i32.mul').get(m).op('i32.le_u').if();
    // Full panel: 4×4 transposes, then the k tail.
    f.forLt(p, k4, 4, () => {
      for (let i = 0; i < 4; i++) {
        f.get(s).get(p).i32(2).op('i32.shl').op('i32.add');
        if (i > 0) f.get(rowB).i32(i).op('i32.mul').op('i32.add');
        f.load('v128').set(v[i]);
      }
      emitTranspose4Store(f, v, u, d);
      f.inc(d, 64);
    });
    f.end();
    // Whatever is left (the k tail, or the whole of a partial panel), element by element.
    f.forLt(p, k, 1, () => {
      f.i32(0).set(r);
      f.forLt(r, rows, 1, () => {
        f.get(d).get(r).i32(2).op('i32.shl').op('i32.add').set(dr);
        f.get(q).i32(MR).op('i32.mul').get(r).op('i32.add').get(m).op('i32.lt_u').if();
        f.get(dr)
          .get(s)
          .get(r)
          .get(rowB)
          .op('i32.mul')
          .op('i32.add')
          .get(p)
          .i32(2)
          .op('i32.shl')
          .op('i32.add');
        f.load('f32').store('f32');
        f.else().get(dr).f32(0).store('f32').end();
      });
      f.inc(d, MR * 4);
    });
  });
  return f;
}
