/**
 * Cache-blocked C = A·B on dense row-major f64 arrays (A m×k, B k×n, C m×n, each from an
 * offset). B is packed in KC×NC panels that stay in cache while the rows of A stream past;
 * the loop order is i-k-j so the innermost loop runs over contiguous j, accumulating in the
 * output rows. Two rows of C and four k steps share each pass, so every panel value loaded
 * feeds two multiply-adds and each C element is loaded and stored once per four k.
 */
const KC = 128;
const NC = 256;

export function gemm(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  accumulate = false,
): void {
  if (!accumulate) c.fill(0, cOff, cOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  const panel = new Float64Array(Math.min(KC, k) * Math.min(NC, n));
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nb = Math.min(NC, n - j0);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kb = Math.min(KC, k - k0);
      // panel[p][j] = B[k0 + p][j0 + j]
      for (let p = 0; p < kb; p++) {
        const src = bOff + (k0 + p) * n + j0;
        panel.set(b.subarray(src, src + nb), p * nb);
      }
      let i = 0;
      for (; i + 1 < m; i += 2) rowPair(a, aOff + i * k + k0, k, panel, kb, nb, c, cOff + i * n + j0, n);
      if (i < m) row(a, aOff + i * k + k0, panel, kb, nb, c, cOff + i * n + j0);
    }
  }
}

/** C[i..i+1, j0..j0+nb) += A[i..i+1, k0..k0+kb) · panel. */
function rowPair(
  a: Float64Array,
  ai: number,
  k: number,
  panel: Float64Array,
  kb: number,
  nb: number,
  c: Float64Array,
  ci: number,
  n: number,
): void {
  const aj = ai + k;
  const cj = ci + n;
  let p = 0;
  for (; p + 3 < kb; p += 4) {
    const a0 = a[ai + p];
    const a1 = a[ai + p + 1];
    const a2 = a[ai + p + 2];
    const a3 = a[ai + p + 3];
    const e0 = a[aj + p];
    const e1 = a[aj + p + 1];
    const e2 = a[aj + p + 2];
    const e3 = a[aj + p + 3];
    const r0 = p * nb;
    const r1 = r0 + nb;
    const r2 = r1 + nb;
    const r3 = r2 + nb;
    for (let j = 0; j < nb; j++) {
      const b0 = panel[r0 + j];
      const b1 = panel[r1 + j];
      const b2 = panel[r2 + j];
      const b3 = panel[r3 + j];
      c[ci + j] += a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3;
      c[cj + j] += e0 * b0 + e1 * b1 + e2 * b2 + e3 * b3;
    }
  }
  for (; p < kb; p++) {
    const a0 = a[ai + p];
    const e0 = a[aj + p];
    const r0 = p * nb;
    for (let j = 0; j < nb; j++) {
      const b0 = panel[r0 + j];
      c[ci + j] += a0 * b0;
      c[cj + j] += e0 * b0;
    }
  }
}

/** C[i, j0..j0+nb) += A[i, k0..k0+kb) · panel, for a last odd row. */
function row(
  a: Float64Array,
  ai: number,
  panel: Float64Array,
  kb: number,
  nb: number,
  c: Float64Array,
  ci: number,
): void {
  let p = 0;
  for (; p + 3 < kb; p += 4) {
    const a0 = a[ai + p];
    const a1 = a[ai + p + 1];
    const a2 = a[ai + p + 2];
    const a3 = a[ai + p + 3];
    const r0 = p * nb;
    const r1 = r0 + nb;
    const r2 = r1 + nb;
    const r3 = r2 + nb;
    for (let j = 0; j < nb; j++) {
      c[ci + j] += a0 * panel[r0 + j] + a1 * panel[r1 + j] + a2 * panel[r2 + j] + a3 * panel[r3 + j];
    }
  }
  for (; p < kb; p++) {
    const a0 = a[ai + p];
    const r0 = p * nb;
    for (let j = 0; j < nb; j++) c[ci + j] += a0 * panel[r0 + j];
  }
}

/** Dense row-major f64 copy of a strided 2-D matrix (rows × cols) starting at `offset`. */
export function packMatrix(
  src: ArrayLike<number>,
  offset: number,
  rows: number,
  cols: number,
  rowStride: number,
  colStride: number,
  dst: Float64Array,
): Float64Array {
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let s = offset + r * rowStride;
    for (let q = 0; q < cols; q++, s += colStride) dst[o++] = src[s];
  }
  return dst;
}
