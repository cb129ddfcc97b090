import type { FunctionBuilder } from './emitter.js';

/*
 * The f32 GEMM microkernel, generated once for every matrix product written with the emitter:
 * an r×8 tile of C (r ≤ 4) lives in 2·r v128 accumulators; each k step loads two vectors of B's
 * row, splats one element of A per tile row and issues 2·r multiply-add pairs (baseline SIMD has
 * no fused multiply-add; where the engine has relaxed SIMD, a tile made with `fma` issues 2·r
 * f32x4.relaxed_madd instead, fused on CPUs with FMA). Eight accumulators, two B vectors, four
 * splats and a product fit V8's 15 allocatable SIMD registers on x64 (it loads a step's operands
 * before its arithmetic); 5- and 6-row tiles spill. Unrolled k steps need a branch between
 * them (see sgemm_block), or TurboFan hoists every step's loads to the top and spills. The CPU
 * backend's sgemm (packed panels, cpu/wasm/sgemm-kernel.ts) and @tessera/attention's tile
 * products (strided A, row-major B) wrap it in their own loops.
 */

/** Columns of C per tile: two f32x4 vectors. */
export const TILE_COLS = 8;

/** The registers (v128 locals) of an r×8 tile. */
export interface GemmTile {
  readonly rows: number;
  /** acc[r][v]: columns 4v … 4v + 3 of tile row r. */
  readonly acc: readonly (readonly number[])[];
  /** The two vectors of B's current row. */
  readonly b: readonly [number, number];
  /** A's current element, splatted. */
  readonly splat: number;
  /** Accumulate with relaxed SIMD's f32x4.relaxed_madd (one instruction, fused where the CPU has FMA). */
  readonly fma: boolean;
}

/**
 * Declares the v128 locals of an r×8 tile in `f`; with `fma` its steps use f32x4.relaxed_madd
 * (only for a module made where relaxed SIMD validates: WasmFeatures.relaxedSimd).
 */
export function gemmTileRegisters(f: FunctionBuilder, rows: number, fma = false): GemmTile {
  const splat = f.local('v128');
  const b: [number, number] = [f.local('v128'), f.local('v128')];
  const acc = Array.from({ length: rows }, () => [f.local('v128'), f.local('v128')]);
  return { rows, acc, b, splat, fma };
}

/**
 * One k step: b ← B's row at the address in local `bAt` (plus `bOffset` bytes); for each tile row
 * r, splat A[r] (at the address `aAt(r)` pushes, plus the byte offset it returns) and
 * acc[r][v] += splat·b[v] — or, with `init`, acc[r][v] = splat·b[v].
 */
export function emitTileStep(
  f: FunctionBuilder,
  tile: GemmTile,
  bAt: number,
  aAt: (row: number) => number,
  init = false,
  bOffset = 0,
): void {
  for (let v = 0; v < 2; v++)
    f.get(bAt)
      .load('v128', bOffset + v * 16)
      .set(tile.b[v]);
  for (let r = 0; r < tile.rows; r++) {
    const offset = aAt(r);
    f.splatLoad(offset).set(tile.splat);
    for (let v = 0; v < 2; v++) {
      if (init) f.get(tile.splat).get(tile.b[v]).simd('f32x4.mul');
      else if (tile.fma) f.get(tile.splat).get(tile.b[v]).get(tile.acc[r][v]).simd('f32x4.relaxed_madd');
      else f.get(tile.acc[r][v]).get(tile.splat).get(tile.b[v]).simd('f32x4.mul').simd('f32x4.add');
      f.set(tile.acc[r][v]);
    }
  }
}

/**
 * Stores the tile into C, tile row r at the address `rowAt(r)` pushes: C ← acc, or C ← C + acc
 * with `accumulate`.
 */
export function emitTileStore(
  f: FunctionBuilder,
  tile: GemmTile,
  rowAt: (row: number) => void,
  accumulate = false,
): void {
  for (let r = 0; r < tile.rows; r++)
    for (let v = 0; v < 2; v++) {
      rowAt(r);
      f.get(tile.acc[r][v]);
      if (accumulate) {
        rowAt(r);
        f.load('v128', v * 16).simd('f32x4.add');
      }
      f.store('v128', v * 16);
    }
}

/**
 * Transposes four row vectors (v128 locals `v`: rows r of four consecutive k) into the four
 * k-major columns of a 4-row panel — A[0..3, k] — stored at the address in local `d`, offsets
 * 0, 16, 32 and 48, with eight shuffles through the v128 locals `u`. The packing of A panels
 * (the CPU backend's pack_a_rows, @tessera/attention's flash tiles) is built on it.
 */
export function emitTranspose4Store(
  f: FunctionBuilder,
  v: readonly number[],
  u: readonly number[],
  d: number,
): void {
  f.get(v[0]).get(v[1]).shuffle32([0, 4, 1, 5]).set(u[0]);
  f.get(v[0]).get(v[1]).shuffle32([2, 6, 3, 7]).set(u[1]);
  f.get(v[2]).get(v[3]).shuffle32([0, 4, 1, 5]).set(u[2]);
  f.get(v[2]).get(v[3]).shuffle32([2, 6, 3, 7]).set(u[3]);
  f.get(d).get(u[0]).get(u[2]).shuffle32([0, 1, 4, 5]).store('v128', 0);
  f.get(d).get(u[0]).get(u[2]).shuffle32([2, 3, 6, 7]).store('v128', 16);
  f.get(d).get(u[1]).get(u[3]).shuffle32([0, 1, 4, 5]).store('v128', 32);
  f.get(d).get(u[1]).get(u[3]).shuffle32([2, 3, 6, 7]).store('v128', 48);
}
