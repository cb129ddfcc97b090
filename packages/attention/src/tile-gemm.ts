import { type GemmOperands, type WasmTileSource, wasmTileSource } from './wasm-gemm.js';

/**
 * Where the flash kernels keep their tiles and how they multiply them. All scratch is one typed
 * array (`heap`), addressed by element offsets:
 *
 *   C[m×n] (+)= op(A) · B[k×n],  op(A)[i, t] = heap[a + i·si + t·st],
 *
 * with B and C row-major (row strides ldb, ldc) and n a multiple of 8. f32 tiles use the
 * WebAssembly SIMD product when the runtime has it; f64 tiles (and runtimes without wasm SIMD)
 * use the JS loops below. `wasm` supplies the SIMD tiles; the flash kernels pass the source their
 * factory owns (so the module is compiled once per kernel), and without one a fresh source
 * compiles it for this engine alone.
 */
export interface TileEngine {
  readonly heap: Float32Array | Float64Array;
  gemm(...args: [...GemmOperands, accumulate: boolean]): void;
  /** heap[at + i] ← e^(heap[at + i] − m) for i < n; returns the sum of the new values. */
  expShift(at: number, n: number, m: number): number;
}

/** Rounds up to the multiple of 8 that the products' column blocks need. */
export const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

export function tileEngine(
  wide: boolean,
  floats: number,
  simd = true,
  wasm: WasmTileSource = wasmTileSource(),
): TileEngine {
  if (!wide && simd) {
    const w = wasm(floats);
    if (w) {
      const { heap, gemm, expShift } = w;
      return {
        heap,
        gemm: (a, si, st, b, ldb, c, ldc, m, n, k, accumulate) =>
          gemm(a * 4, si * 4, st * 4, b * 4, ldb * 4, c * 4, ldc * 4, m, n, k, accumulate ? 1 : 0),
        expShift: (at, n, m) => {
          const n4 = n & ~3;
          const sum = n4 > 0 ? expShift(at * 4, n4, m) : 0;
          return sum + jsExpShift(heap, at + n4, n - n4, m);
        },
      };
    }
  }
  const heap = wide ? new Float64Array(floats) : new Float32Array(floats);
  return {
    heap,
    gemm: (...args) => jsGemm(heap, ...args),
    expShift: (at, n, m) => jsExpShift(heap, at, n, m),
  };
}

function jsExpShift(h: Float32Array | Float64Array, at: number, n: number, m: number): number {
  let sum = 0;
  for (let i = at; i < at + n; i++) {
    const p = Math.exp(h[i] - m);
    h[i] = p;
    sum += p;
  }
  return sum;
}

/**
 * The JS product: a 4×4 block of C in locals, so each element of A and B loaded feeds four
 * multiply-adds (the load, not the arithmetic, bounds scalar JS).
 */
export function jsGemm(
  h: Float32Array | Float64Array,
  ...[a, si, st, b, ldb, c, ldc, m, n, k, accumulate]: [...GemmOperands, accumulate: boolean]
): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + i * si;
    const a1 = a0 + si;
    const a2 = a1 + si;
    const a3 = a2 + si;
    for (let j = 0; j < n; j += 4) {
      // biome-ignore format: the 4×4 block of C reads best as a grid
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let at = 0;
      let bt = b + j;
      for (let t = 0; t < k; t++, at += st, bt += ldb) {
        const x0 = h[a0 + at];
        const x1 = h[a1 + at];
        const x2 = h[a2 + at];
        const x3 = h[a3 + at];
        const y0 = h[bt];
        const y1 = h[bt + 1];
        const y2 = h[bt + 2];
        const y3 = h[bt + 3];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      const o0 = c + i * ldc + j;
      const o1 = o0 + ldc;
      const o2 = o1 + ldc;
      const o3 = o2 + ldc;
      if (accumulate) {
        c00 += h[o0];
        c01 += h[o0 + 1];
        c02 += h[o0 + 2];
        c03 += h[o0 + 3];
        c10 += h[o1];
        c11 += h[o1 + 1];
        c12 += h[o1 + 2];
        c13 += h[o1 + 3];
        c20 += h[o2];
        c21 += h[o2 + 1];
        c22 += h[o2 + 2];
        c23 += h[o2 + 3];
        c30 += h[o3];
        c31 += h[o3 + 1];
        c32 += h[o3 + 2];
        c33 += h[o3 + 3];
      }
      h[o0] = c00;
      h[o0 + 1] = c01;
      h[o0 + 2] = c02;
      h[o0 + 3] = c03;
      h[o1] = c10;
      h[o1 + 1] = c11;
      h[o1 + 2] = c12;
      h[o1 + 3] = c13;
      h[o2] = c20;
      h[o2 + 1] = c21;
      h[o2 + 2] = c22;
      h[o2 + 3] = c23;
      h[o3] = c30;
      h[o3 + 1] = c31;
      h[o3 + 2] = c32;
      h[o3 + 3] = c33;
    }
  }
  for (; i < m; i++) {
    const a0 = a + i * si;
    for (let j = 0; j < n; j++) {
      let s = accumulate ? h[c + i * ldc + j] : 0;
      for (let t = 0; t < k; t++) s += h[a0 + t * st] * h[b + t * ldb + j];
      h[c + i * ldc + j] = s;
    }
  }
}
