/** Attributes shared by the flash forward and backward ops. */
export interface FlashAttrs {
  /** Multiplies QKᵀ (default 1/√dim). */
  scale: number;
  /** Query i sees keys j ≤ i + (sk − sq): aligned to the bottom-right corner. */
  causal: boolean;
  /** Cumulative sequence offsets of packed variable-length sequences (batch 1), or null. */
  cuSeqlens: readonly number[] | null;
  /** Dropout probability applied to P (0: none). */
  dropout: number;
  /** Philox key and base counter the dropout mask is drawn from. */
  dropoutKey: readonly [number, number];
  dropoutBase: number;
  /** Tile sizes: query rows per block and key rows per block. */
  blockQ: number;
  blockK: number;
  /** Use the WebAssembly SIMD tile product for f32 when available (default true). */
  simd?: boolean;
}

/**
 * The keys each query row may see, as a half-open range [lo[i], hi[i]): the whole sequence,
 * its own packed sequence (varlen), cut at the causal diagonal. Both bounds never decrease with
 * i, which is what lets the kernels skip whole blocks.
 */
export function keyRanges(sq: number, sk: number, attrs: FlashAttrs): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(sq);
  const hi = new Int32Array(sq).fill(sk);
  const cu = attrs.cuSeqlens;
  if (cu) {
    for (let s = 0; s + 1 < cu.length; s++) {
      for (let i = cu[s]; i < cu[s + 1]; i++) {
        lo[i] = cu[s];
        hi[i] = cu[s + 1];
      }
    }
  }
  if (attrs.causal) {
    // Bottom-right alignment: the last query sees the last key (PyTorch, FlashAttention-2).
    const shift = sk - sq;
    for (let i = 0; i < sq; i++) hi[i] = Math.max(lo[i], Math.min(hi[i], i + shift + 1));
  }
  return { lo, hi };
}
