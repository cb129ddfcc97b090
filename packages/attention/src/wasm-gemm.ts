/**
 * An f32 tile product in WebAssembly SIMD, emitted as bytes at run time (no build step, no
 * binary in the repository):
 *
 *   C[m×n] (+)= op(A) · B[k×n],  op(A)[i, t] at a + i·si + t·st (byte strides),
 *
 * with B and C row-major (row strides ldb, ldc in bytes) and n a multiple of 8. A 4×8 block of C
 * lives in eight f32x4 registers; each step t broadcasts four elements of A and loads two
 * vectors of B, i.e. 8 multiply-adds per load. Rows past the last multiple of 4 run a 1×8 block.
 *
 * The module also holds core's `expShift` (`@tessera/core/wasm`) for the online softmax.
 */

import type { CpuInput, CpuKernel, CpuKernelEnv, CpuOutput } from '@tessera/core';
import { compileModule, emitModule, expShiftFunction, FunctionBuilder } from '@tessera/core/wasm';

/** The r×8 block product (r = 4 or 1) at rows i, columns j; `L` names the locals. */
function tileBlock(f: FunctionBuilder, L: GemmLocals, r: number): void {
  const { P } = L;
  // The byte offset of row `row` from pc (ldc per row).
  const rowOfC = (row: number) => {
    f.get(L.pc);
    if (row > 0) f.get(P.ldc).i32(row).op('i32.mul').op('i32.add');
  };
  // pc = c + i·ldc + 4j
  f.get(P.c).get(L.i).get(P.ldc).op('i32.mul').op('i32.add');
  f.get(L.j).i32(2).op('i32.shl').op('i32.add').set(L.pc);
  // Accumulators: load C when accumulating, else zeros.
  for (let row = 0; row < r; row++) {
    for (let half = 0; half < 2; half++) {
      f.get(P.acc).if('v128');
      rowOfC(row);
      f.load('v128', half * 16)
        .else()
        .f32x4(0)
        .end()
        .set(L.acc[row * 2 + half]);
    }
  }
  // pa = a + i·si, pb = b + 4j
  f.get(P.a).get(L.i).get(P.si).op('i32.mul').op('i32.add').set(L.pa);
  f.get(P.b).get(L.j).i32(2).op('i32.shl').op('i32.add').set(L.pb);
  // for t in [0, k): two vectors of B's row t, each element of A's column t splatted
  f.i32(0).set(L.t);
  f.forLt(
    L.t,
    P.k,
    1,
    () => {
      f.get(L.pb).load('v128', 0).set(L.b[0]);
      f.get(L.pb).load('v128', 16).set(L.b[1]);
      for (let row = 0; row < r; row++) {
        // splat(A[i + row, t]) at pa + row·si, used by both halves of the row
        f.get(L.pa);
        if (row > 0) f.get(L.rowOfA[row - 1]).op('i32.add');
        f.splatLoad().set(L.splat);
        for (let half = 0; half < 2; half++) {
          const acc = L.acc[row * 2 + half];
          f.get(acc).get(L.splat).get(L.b[half]).simd('f32x4.mul').simd('f32x4.add').set(acc);
        }
      }
      f.inc(L.pa, { local: P.st }).inc(L.pb, { local: P.ldb });
    },
    true,
  );
  // Store the block.
  for (let row = 0; row < r; row++) {
    for (let half = 0; half < 2; half++) {
      rowOfC(row);
      f.get(L.acc[row * 2 + half]).store('v128', half * 16);
    }
  }
}

type GemmLocals = ReturnType<typeof gemmLocals>;

function gemmLocals(f: FunctionBuilder) {
  // Parameters (all i32): a, si, st, b, ldb, c, ldc, m, n, k, accumulate.
  const P = { a: 0, si: 1, st: 2, b: 3, ldb: 4, c: 5, ldc: 6, m: 7, n: 8, k: 9, acc: 10 };
  const [i, j, t, pa, pb, pc, rows, si2, si3] = Array.from({ length: 9 }, () => f.local('i32'));
  // c00 c01 c10 c11 c20 c21 c30 c31 (row-major, two halves a row), then B's two vectors.
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const b = [f.local('v128'), f.local('v128')];
  const splat = f.local('v128');
  return { P, i, j, t, pa, pb, pc, rows, si2, si3, acc, b, splat, rowOfA: [P.si, si2, si3] };
}

/** gemm(a, si, st, b, ldb, c, ldc, m, n, k, accumulate), as described at the top. */
export function gemmFunction(): FunctionBuilder {
  const f = new FunctionBuilder('gemm', new Array(11).fill('i32'));
  const L = gemmLocals(f);
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
