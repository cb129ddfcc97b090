import { describe, expect, it } from 'vitest';
import { compileModule, emitModule, FunctionBuilder } from './emitter.js';
import { emitTileStep, emitTileStore, gemmTileRegisters, TILE_COLS } from './gemm-tile.js';

/**
 * tile(a, b, c, k): C[r×8] (+)= A[r×k]·B[k×8] with A row-major (row stride 4k bytes), B and C
 * row-major with 8 columns, built from the microkernel alone.
 */
function tileFunction(rows: number, accumulate: boolean): FunctionBuilder {
  const f = new FunctionBuilder('tile', ['i32', 'i32', 'i32', 'i32']);
  const [a, b, c, k] = [0, 1, 2, 3];
  const [t, rowBytes] = [f.local('i32'), f.local('i32')];
  const tile = gemmTileRegisters(f, rows);
  f.get(k).i32(2).op('i32.shl').set(rowBytes);
  // The first step sets the accumulators, the others add to them.
  emitTileStep(
    f,
    tile,
    b,
    (r) => {
      f.get(a).get(rowBytes).i32(r).op('i32.mul').op('i32.add');
      return 0;
    },
    true,
  );
  f.i32(1).set(t);
  f.forLt(t, k, 1, () => {
    f.inc(a, 4).inc(b, TILE_COLS * 4);
    emitTileStep(f, tile, b, (r) => {
      f.get(a).get(rowBytes).i32(r).op('i32.mul').op('i32.add');
      return 0;
    });
  });
  emitTileStore(
    f,
    tile,
    (r) =>
      f
        .get(c)
        .i32(r * TILE_COLS * 4)
        .op('i32.add'),
    accumulate,
  );
  return f;
}

describe('the GEMM microkernel (gemm-tile.ts)', () => {
  for (const rows of [4, 3, 1])
    for (const accumulate of [false, true])
      it(`computes a ${rows}×8 tile of A·B${accumulate ? ' added to C' : ''}`, () => {
        const k = 13;
        const module = compileModule(emitModule([tileFunction(rows, accumulate)], { initial: 1 }))!;
        const memory = new WebAssembly.Memory({ initial: 1 });
        const run = new WebAssembly.Instance(module, { env: { memory } }).exports.tile as (
          ...args: number[]
        ) => void;
        const heap = new Float32Array(memory.buffer);
        const [A, B, C] = [0, 256, 512];
        for (let i = 0; i < rows * k; i++) heap[A + i] = ((i * 7) % 11) - 5;
        for (let i = 0; i < k * 8; i++) heap[B + i] = ((i * 5) % 9) - 4;
        for (let i = 0; i < rows * 8; i++) heap[C + i] = i;
        run(A * 4, B * 4, C * 4, k);
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < 8; j++) {
            let s = accumulate ? r * 8 + j : 0;
            for (let p = 0; p < k; p++) s += heap[A + r * k + p] * heap[B + p * 8 + j];
            // Small integers: every product and sum is exact in f32.
            expect(heap[C + r * 8 + j]).toBe(s);
          }
        // C rows past the tile are untouched.
        expect(heap[C + rows * 8]).toBe(0);
      });
});
