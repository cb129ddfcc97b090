/**
 * An f32 tile product in WebAssembly SIMD, emitted as bytes at run time (no build step, no
 * binary in the repository):
 *
 *   C[m×n] (+)= op(A) · B[k×n],  op(A)[i, t] at a + i·si + t·st (byte strides),
 *
 * with B and C row-major (row strides ldb, ldc in bytes) and n a multiple of 8: 4×8 blocks of C
 * with the microkernel of @tessera/core/wasm (the CPU backend's sgemm uses the same one, on packed
 * panels), and rows past the last multiple of 4 as 1×8 blocks.
 *
 * The module also holds core's `expShift` (`@tessera/core/wasm`) for the online softmax.
 */

import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput } from '@tessera/core';
import {
  compileModule,
  emitModule,
  emitTileStep,
  emitTileStore,
  expShiftFunction,
  FunctionBuilder,
  type GemmTile,
  gemmTileRegisters,
} from '@tessera/core/wasm';

/** The tile's accumulators: C's rows (at the address `rowOfC(row)` pushes) when local `accumulate` is set, else zeros. */
function loadAccumulators(
  f: FunctionBuilder,
  tile: GemmTile,
  accumulate: number,
  rowOfC: (row: number) => void,
) {
  for (let row = 0; row < tile.rows; row++) {
    for (let half = 0; half < 2; half++) {
      f.get(accumulate).if('v128');
      rowOfC(row);
      f.load('v128', half * 16)
        .else()
        .f32x4(0)
        .end()
        .set(tile.acc[row][half]);
    }
  }
}

/** The r×8 block product (r = 4 or 1) at rows i, columns j; `L` names the locals. */
function tileBlock(f: FunctionBuilder, L: GemmLocals, r: number): void {
  const { P } = L;
  const tile: GemmTile = r === L.tile.rows ? L.tile : { ...L.tile, rows: r, acc: L.tile.acc.slice(0, r) };
  // The byte offset of row `row` from pc (ldc per row).
  const rowOfC = (row: number) => {
    f.get(L.pc);
    if (row > 0) f.get(P.ldc).i32(row).op('i32.mul').op('i32.add');
  };
  // pc = c + i·ldc + 4j
  f.get(P.c).get(L.i).get(P.ldc).op('i32.mul').op('i32.add');
  f.get(L.j).i32(2).op('i32.shl').op('i32.add').set(L.pc);
  loadAccumulators(f, tile, P.acc, rowOfC);
  // pa = a + i·si, pb = b + 4j
  f.get(P.a).get(L.i).get(P.si).op('i32.mul').op('i32.add').set(L.pa);
  f.get(P.b).get(L.j).i32(2).op('i32.shl').op('i32.add').set(L.pb);
  // for t in [0, k): the shared microkernel step, A's column t at pa + row·si
  f.i32(0).set(L.t);
  f.forLt(
    L.t,
    P.k,
    1,
    () => {
      emitTileStep(f, tile, L.pb, (row) => {
        f.get(L.pa);
        if (row > 0) f.get(L.rowOfA[row - 1]).op('i32.add');
        return 0;
      });
      f.inc(L.pa, { local: P.st }).inc(L.pb, { local: P.ldb });
    },
    true,
  );
  emitTileStore(f, tile, rowOfC);
}

type GemmLocals = ReturnType<typeof gemmLocals>;

function gemmLocals(f: FunctionBuilder, fma: boolean) {
  // Parameters (all i32): a, si, st, b, ldb, c, ldc, m, n, k, accumulate.
  const P = { a: 0, si: 1, st: 2, b: 3, ldb: 4, c: 5, ldc: 6, m: 7, n: 8, k: 9, acc: 10 };
  const [i, j, t, pa, pb, pc, rows, si2, si3] = Array.from({ length: 9 }, () => f.local('i32'));
  const tile = gemmTileRegisters(f, 4, fma);
  return { P, i, j, t, pa, pb, pc, rows, si2, si3, tile, rowOfA: [P.si, si2, si3] };
}

/**
 * gemm(a, si, st, b, ldb, c, ldc, m, n, k, accumulate), as described at the top; with `fma` its
 * multiply-adds are relaxed SIMD's f32x4.relaxed_madd (for a module where that validates).
 */
export function gemmFunction(fma = false): FunctionBuilder {
  const f = new FunctionBuilder('gemm', new Array(11).fill('i32'));
  const L = gemmLocals(f, fma);
  const { P } = L;
  // si2 = 2·si, si3 = 3·si; rows = m − m mod 4
  f.get(P.si).i32(2).op('i32.mul').set(L.si2);
  f.get(P.si).i32(3).op('i32.mul').set(L.si3);
  f.get(P.m).get(P.m).i32(3).op('i32.and').op('i32.sub').set(L.rows);
  // for j in [0, n) step 8: the r×8 blocks of a row block
  const columns = (r: number) => {
    f.i32(0).set(L.j);
    f.forLt(L.j, P.n, 8, () => tileBlock(f, L, r), true);
  };
  // for i in [0, rows) step 4: 4×8 blocks; then for i in [rows, m): 1×8 blocks
  f.i32(0).set(L.i);
  f.forLt(L.i, L.rows, 4, () => columns(4), true);
  f.forLt(L.i, P.m, 1, () => columns(1), true);
  return f;
}

/** k steps per pass of gemm_panel's loop, each followed by its exit test. */
const PANEL_UNROLL = 8;

/**
 * gemm_panel(a, aStride, b, ldb, c, ldc, m, n, k, accumulate): C[m×n] (+)= A·B[k×n] with A packed
 * in panels of four rows, k-major — A[4p + r, t] at a + p·aStride + (4t + r)·4 — so that a k step
 * splats four adjacent floats; B and C row-major (ldb, ldc bytes), m a multiple of 4 and n of 8.
 * The k loop runs PANEL_UNROLL steps per pass, each followed by an exit test on A's pointer: the
 * branch keeps V8 from hoisting later steps' loads into a step and spilling, as in the CPU
 * backend's sgemm_block. A step is 2 B loads, 4 splats, 16 multiply-adds (8 fused with `fma`)
 * and three scalar operations, against seven for `gemm` with a strided A.
 */
export function gemmPanelFunction(fma = false): FunctionBuilder {
  const f = new FunctionBuilder('gemm_panel', new Array(10).fill('i32'));
  const [a, aStride, b, ldb, c, ldc, m, n, k, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [i, j, aRow, pa, paEnd, pb, pc] = Array.from({ length: 7 }, () => f.local('i32'));
  const tile = gemmTileRegisters(f, 4, fma);
  const rowOfC = (row: number) => {
    f.get(pc);
    if (row > 0) f.get(ldc).i32(row).op('i32.mul').op('i32.add');
  };
  f.i32(0).set(i).get(a).set(aRow);
  f.forLt(i, m, 4, () => {
    f.i32(0).set(j);
    f.forLt(j, n, 8, () => {
      // pc = c + i·ldc + 4j; the accumulators from C, or zeros
      f.get(c).get(i).get(ldc).op('i32.mul').op('i32.add');
      f.get(j).i32(2).op('i32.shl').op('i32.add').set(pc);
      loadAccumulators(f, tile, accumulate, rowOfC);
      f.get(aRow).tee(pa).get(k).i32(4).op('i32.shl').op('i32.add').set(paEnd);
      f.get(b).get(j).i32(2).op('i32.shl').op('i32.add').set(pb);
      f.get(pa).get(paEnd).op('i32.ne').if();
      f.block().loop();
      for (let u = 0; u < PANEL_UNROLL; u++) {
        emitTileStep(f, tile, pb, (row) => {
          f.get(pa);
          return row * 4;
        });
        f.inc(pa, 16).inc(pb, { local: ldb });
        f.get(pa).get(paEnd).op('i32.eq').brIf(1);
      }
      f.br(0).end().end();
      f.end();
      emitTileStore(f, tile, rowOfC);
    });
    f.inc(aRow, { local: aStride });
  });
  return f;
}

/** Both kernels in one module over an imported memory of at least one page. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  return emitModule([gemmFunction(), expShiftFunction()], { initial: 1 });
}

/**
 * A tile product's operands, C[m×n] (+)= op(A)·B[k×n] with op(A)[i, t] at a + i·si + t·st: offsets
 * and strides (bytes for the wasm export, elements for the TileEngine) and the sizes.
 */
export type GemmOperands = [
  a: number,
  si: number,
  st: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
];

export type WasmGemm = (...args: [...GemmOperands, accumulate: number]) => void;

export type WasmExpShift = (p: number, n: number, m: number) => number;

/** f32 scratch of `floats` elements in fresh wasm memory, with the SIMD kernels over it. */
export interface WasmTiles {
  heap: Float32Array;
  gemm: WasmGemm;
  expShift: WasmExpShift;
}

/** Makes WasmTiles of `floats` elements, or null where the runtime lacks wasm SIMD. */
export type WasmTileSource = (floats: number) => WasmTiles | null;

/**
 * A source of tiles that compiles the module on first use and keeps it. The cache belongs to
 * whoever made the source — each flash kernel factory makes one for the kernel it returns —
 * rather than to this module: no module-level mutable state, so nothing is shared between ops,
 * contexts or tests behind their backs, and the compiled module lives exactly as long as the
 * kernel that uses it. Not keyed by Context or CpuBackend because a CPU kernel sees neither
 * (only its inputs, outputs and attrs), and the module is the same for every context anyway.
 * Each call instantiates the module over memory of its own.
 */
export function wasmTileSource(): WasmTileSource {
  let compiled: WebAssembly.Module | null | undefined;
  return (floats) => {
    if (compiled === undefined) compiled = compileModule(moduleBytes()) ?? null;
    if (!compiled) return null;
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    return {
      heap: new Float32Array(memory.buffer, 0, floats),
      gemm: instance.exports.gemm as WasmGemm,
      expShift: instance.exports.expShift as WasmExpShift,
    };
  };
}

/**
 * A CPU kernel running `kernel` with a tile source made for it alone: the kernel factory owns
 * the cache (see wasmTileSource), so each op definition that calls this compiles once.
 */
export function withWasmTiles<A>(
  kernel: (
    inputs: CpuInput[],
    outputs: CpuOutput[],
    attrs: A,
    wasm: WasmTileSource,
    env: CpuKernelEnv | undefined,
  ) => void,
): CpuKernel<A> {
  const wasm = wasmTileSource();
  return (inputs, outputs, attrs, env) => kernel(inputs, outputs, attrs, wasm, env);
}

export const moduleBytesForTest = moduleBytes;
