import type { FunctionBuilder } from '../../wasm/emitter.js';
import { BASELINE_FEATURES, type WasmFeatures } from '../../wasm/features.js';
import { MAX_TASKS } from '../../wasm/job-header.js';
import type { WasmModule } from '../../wasm/wasm-module.js';
import {
  GEMM_SHAPES,
  type GemmShape,
  MC_PANELS,
  NC_PANELS,
  NR,
  packARows,
  packContig,
  packPanels,
  sgemmBlock,
  sgemmTask,
  shapeKernels,
} from './sgemm-kernel.js';

/**
 * The functions `sgemmWasm` runs, in the order it needs: a module lists them first (each shape's
 * sgemm_task calls its sgemm_block by function index). Packages with kernels of their own put
 * these at the head of the list they give `CpuKernelEnv.wasmModule` and then call `sgemmWasm` on
 * it. `shapes` are the register tiles (GEMM_SHAPES; `bench:gemm-shapes` compares them on a
 * machine): by default the 4×8 tile in chunks of KCHUNK and of 64 steps (see chunkFor).
 */
export function sgemmFunctions(
  features: WasmFeatures = BASELINE_FEATURES,
  shapes: readonly GemmShape[] = DEFAULT_SHAPES,
): FunctionBuilder[] {
  return [
    ...shapes.map((shape) => sgemmBlock(features.relaxedSimd, shape)),
    ...shapes.map((shape, i) => sgemmTask(i, shape)),
    packPanels(),
    packContig(),
    packARows(),
  ];
}

/** The default 4×8 tile in chunks of KCHUNK (24) steps, and of 64 for long sums (chunkFor). */
const DEFAULT_SHAPES: readonly GemmShape[] = [GEMM_SHAPES[0], { mr: 4, kchunk: 64 }];

/**
 * The tile shape for a product over k of those whose functions `rt` holds: the longest chunk c
 * with c² ≤ 4k, else the shortest. A two-level sum in chunks of c errs by about (c + k/c)·ε,
 * least at c = √k; chunks up to 2√k stay within 1.25× of that, and long chunks are faster
 * (1024³ on one thread: 87 % of the SIMD limit in chunks of 64, 81 % in chunks of 24, Zen 4
 * under load). So products over k ≥ 1,024 sum in chunks of 64 and shorter ones, such as the
 * conformance cases (k ≤ 300), in chunks of 24.
 */
function chunkFor(rt: WasmModule, k: number): GemmShape {
  // One pass per product, no array built: the shortest held chunk, and the longest that fits.
  let shortest: GemmShape | undefined;
  let fits: GemmShape | undefined;
  for (const s of GEMM_SHAPES) {
    if (!rt.has(shapeKernels(s).task)) continue;
    if (!shortest || s.kchunk < shortest.kchunk) shortest = s;
    if (s.kchunk * s.kchunk <= 4 * k && (!fits || s.kchunk >= fits.kchunk)) fits = s;
  }
  if (!shortest) throw new Error('sgemmWasm: the module has no sgemm functions (see sgemmFunctions)');
  return fits ?? shortest;
}

/** A strided matrix in a kernel input: element (i, j) of batch t is data[offsets[t] + i·rs + j·cs]. */
export interface MatrixOperand {
  data: Float32Array;
  offsets: ArrayLike<number>;
  rs: number;
  cs: number;
}

/**
 * Before the cost model has a rate for sgemm_task (WasmModule.split), products of fewer
 * multiply-adds than this stay on the calling thread.
 */
const PARALLEL_MACS = 1 << 20;
/**
 * C scratch per job; bigger batches run as several jobs, which bounds the memory held and lets
 * each job's copy-out overlap the next job's compute.
 */
const C_BYTES_PER_JOB = 16 << 20;

/** A[i, p] (rows i of a panel interleaved per p), zero rows past m: dst[ip·mr·k + p·mr + r] (mr rows per panel). */
function packA(
  mr: number,
  src: Float32Array,
  off: number,
  rs: number,
  cs: number,
  m: number,
  k: number,
  dst: Float32Array,
  at: number,
) {
  const panels = Math.ceil(m / mr);
  for (let ip = 0; ip < panels; ip++) {
    for (let r = 0; r < mr; r++) {
      const i = ip * mr + r;
      let d = at + ip * mr * k + r;
      if (i >= m) {
        for (let p = 0; p < k; p++, d += mr) dst[d] = 0;
        continue;
      }
      let s = off + i * rs;
      for (let p = 0; p < k; p++, d += mr, s += cs) dst[d] = src[s];
    }
  }
}

/** B[p, j] by column panels, zero columns past n: dst[jp·NR·k + p·NR + c]. */
function packB(
  src: Float32Array,
  off: number,
  rs: number,
  cs: number,
  k: number,
  n: number,
  dst: Float32Array,
  at: number,
) {
  const panels = Math.ceil(n / NR);
  const full = Math.floor(n / NR);
  for (let p = 0; p < k; p++) {
    const row = off + p * rs;
    for (let jp = 0; jp < full; jp++) {
      const d = at + (jp * k + p) * NR;
      let s = row + jp * NR * cs;
      for (let c = 0; c < NR; c++, s += cs) dst[d + c] = src[s];
    }
    if (full < panels) {
      const d = at + (full * k + p) * NR;
      for (let c = 0; c < NR; c++) {
        const j = full * NR + c;
        dst[d + c] = j < n ? src[row + j * cs] : 0;
      }
    }
  }
}

/** Source elements a set of strided matrices spans: [lo, hi] over every corner. */
function span(offs: Iterable<number>, rows: number, cols: number, rs: number, cs: number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const r = (rows - 1) * rs;
  const c = (cols - 1) * cs;
  for (const o of offs) {
    lo = Math.min(lo, o + Math.min(0, r) + Math.min(0, c));
    hi = Math.max(hi, o + Math.max(0, r) + Math.max(0, c));
  }
  return [lo, hi];
}

/** How one operand of a job gets packed: from a raw copy in wasm memory, or in JS. */
interface PackPlan {
  raw: boolean;
  lo: number;
  rawElems: number;
}

function planPack(offs: Map<number, number>, rows: number, cols: number, rs: number, cs: number): PackPlan {
  if (rows === 0 || cols === 0) return { raw: false, lo: 0, rawElems: 0 };
  const [lo, hi] = span(offs.keys(), rows, cols, rs, cs);
  const rawElems = hi - lo + 1;
  // A view into a much larger buffer is cheaper to gather in JS than to copy whole.
  return rawElems <= 2 * offs.size * rows * cols + 4096
    ? { raw: true, lo, rawElems }
    : { raw: false, lo, rawElems: 0 };
}

/**
 * out[t] = A[t]·B[t] (m×k · k×n, f32) for every batch t, written row-major at out[t·m·n]. The
 * operands are copied into wasm memory and packed there by pack_panels tasks (which also
 * resolves transposed and strided layouts; batches that read the same source matrix share one
 * packed copy), the products run as sgemm_task jobs split by C blocks over the module's
 * threads, and C is copied out (overlapping the next job when there are several: batches are
 * run `cBytesPerJob` of C at a time). Returns false, having written nothing, when the scratch would
 * not fit in wasm memory.
 */
export function sgemmWasm(
  rt: WasmModule,
  m: number,
  n: number,
  k: number,
  batches: number,
  a: MatrixOperand,
  b: MatrixOperand,
  out: Float32Array,
  cBytesPerJob = C_BYTES_PER_JOB,
): boolean {
  if (batches === 0 || m === 0 || n === 0) return true;
  if (k === 0) {
    out.fill(0, 0, batches * m * n);
    return true;
  }
  const shape = chunkFor(rt, k);
  const { mr } = shape;
  const task = shapeKernels(shape).task;
  const mPanels = Math.ceil(m / mr);
  const nPanels = Math.ceil(n / NR);
  const ldcElems = nPanels * NR;
  const cElems = mPanels * mr * ldcElems;
  const aElems = mPanels * mr * k;
  const bElems = nPanels * NR * k;
  const parallel = rt.split(task, batches * m * n * k, PARALLEL_MACS);
  // Blocks small enough that each thread gets about four tasks (a descheduled or slower thread
  // then holds up the others by at most one small task).
  let mcp = MC_PANELS;
  let ncp = NC_PANELS;
  const taskCount = () => batches * Math.ceil(mPanels / mcp) * Math.ceil(nPanels / ncp);
  while (parallel && taskCount() < 4 * rt.threads && (mcp > 4 || ncp > 4)) {
    if (ncp > 4 && (ncp >= 2 * mcp || mcp <= 4)) ncp /= 2;
    else mcp /= 2;
  }
  const mBlocks = Math.ceil(mPanels / mcp);
  const nBlocks = Math.ceil(nPanels / ncp);
  if (mBlocks * nBlocks > MAX_TASKS) return false;
  const perJob = Math.max(
    1,
    Math.min(Math.floor(cBytesPerJob / (cElems * 4)), Math.floor(MAX_TASKS / (mBlocks * nBlocks))),
  );
  const al = (x: number) => Math.ceil(x / 16) * 16;
  // With several jobs C is double-buffered: the calling thread copies job j − 1's C out while
  // the workers start on job j.
  const cSlot = al(perJob * cElems);
  const cRegions = batches > perJob ? 2 : 1;
  let pending: (() => void) | undefined;
  for (let t0 = 0, job = 0; t0 < batches; t0 += perJob, job++) {
    const tb = Math.min(perJob, batches - t0);
    // Distinct source matrices of this job, each packed once.
    const aSlot = new Map<number, number>();
    const bSlot = new Map<number, number>();
    for (let t = t0; t < t0 + tb; t++) {
      if (!aSlot.has(a.offsets[t])) aSlot.set(a.offsets[t], aSlot.size);
      if (!bSlot.has(b.offsets[t])) bSlot.set(b.offsets[t], bSlot.size);
    }
    const ap = planPack(aSlot, m, k, a.rs, a.cs);
    const bp = planPack(bSlot, k, n, b.rs, b.cs);
    // Layout (4-byte words, each region 64-byte aligned): C regions, tables, packed A, packed B, raw A, raw B.
    const tables = cRegions * cSlot;
    const aAt = tables + al(2 * tb + aSlot.size + bSlot.size);
    const bAt = aAt + al(aSlot.size * aElems);
    const rawA = bAt + al(bSlot.size * bElems);
    const rawB = rawA + al(ap.rawElems);
    const base = rt.reserve((rawB + bp.rawElems) * 4);
    if (base < 0) {
      if (job > 0) throw new Error(`matmul: wasm memory exhausted after ${job} of its jobs`);
      return false;
    }
    const w = base / 4;
    const f32 = rt.f32();
    const i32 = rt.i32();
    const aOffs = w + tables;
    const bOffs = aOffs + tb;
    const aSrcs = bOffs + tb;
    const bSrcs = aSrcs + aSlot.size;
    for (let t = 0; t < tb; t++) {
      i32[aOffs + t] = (w + aAt + aSlot.get(a.offsets[t0 + t])! * aElems) * 4;
      i32[bOffs + t] = (w + bAt + bSlot.get(b.offsets[t0 + t])! * bElems) * 4;
    }
    if (ap.raw) {
      f32.set(a.data.subarray(ap.lo, ap.lo + ap.rawElems), w + rawA);
      for (const [src, slot] of aSlot) i32[aSrcs + slot] = (w + rawA + src - ap.lo) * 4;
      // Rows of A adjacent in memory (a transposed view): whole-vector copies; row-major A:
      // 4×4 transposes; any other layout: element by element.
      const head = [aSrcs * 4, (w + aAt) * 4, aElems * 4];
      if (a.rs === 1 && mr === 4)
        rt.run('pack_contig', [...head, a.cs * 4, m, k, mr, mcp, mBlocks], aSlot.size * mBlocks, parallel);
      else if (a.cs === 1 && mr === 4)
        rt.run('pack_a_rows', [...head, a.rs * 4, m, k, mcp, mBlocks], aSlot.size * mBlocks, parallel);
      else
        rt.run(
          'pack_panels',
          [...head, a.rs * 4, a.cs * 4, m, k, mr, mcp, mBlocks],
          aSlot.size * mBlocks,
          parallel,
        );
    } else {
      for (const [src, slot] of aSlot) packA(mr, a.data, src, a.rs, a.cs, m, k, f32, w + aAt + slot * aElems);
    }
    if (bp.raw) {
      f32.set(b.data.subarray(bp.lo, bp.lo + bp.rawElems), w + rawB);
      for (const [src, slot] of bSlot) i32[bSrcs + slot] = (w + rawB + src - bp.lo) * 4;
      // Columns of B adjacent in memory (row-major B): whole-vector copies.
      const args =
        b.cs === 1
          ? [bSrcs * 4, (w + bAt) * 4, bElems * 4, b.rs * 4, n, k, NR, ncp, nBlocks]
          : [bSrcs * 4, (w + bAt) * 4, bElems * 4, b.cs * 4, b.rs * 4, n, k, NR, ncp, nBlocks];
      rt.run(b.cs === 1 ? 'pack_contig' : 'pack_panels', args, bSlot.size * nBlocks, parallel);
    } else {
      for (const [src, slot] of bSlot) packB(b.data, src, b.rs, b.cs, k, n, f32, w + bAt + slot * bElems);
    }
    const cw = w + (job % cRegions) * cSlot;
    const args = [
      aOffs * 4,
      bOffs * 4,
      cw * 4,
      mPanels,
      nPanels,
      k,
      ldcElems * 4,
      mBlocks,
      nBlocks,
      cElems * 4,
      mcp,
      ncp,
    ];
    rt.run(task, args, tb * mBlocks * nBlocks, parallel, pending, tb * m * n * k);
    pending = () => {
      const c = rt.f32();
      if (ldcElems === n && mPanels * mr === m) {
        out.set(c.subarray(cw, cw + tb * m * n), t0 * m * n);
        return;
      }
      for (let t = 0; t < tb; t++) {
        for (let i = 0; i < m; i++) {
          const s = cw + t * cElems + i * ldcElems;
          out.set(c.subarray(s, s + n), (t0 + t) * m * n + i * n);
        }
      }
    };
  }
  pending?.();
  return true;
}
