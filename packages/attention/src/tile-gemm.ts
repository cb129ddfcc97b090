/**
 * The small dense products of the flash kernels, on row-major tiles. Each keeps a 4×4 block of
 * C in locals so that every loaded element of A and B feeds four multiply-adds: on the CPU
 * that, not the arithmetic, is what bounds a JS kernel.
 */
type Buf = Float32Array | Float64Array;

/** C[m×n] = A[m×k] · B[n×k]ᵀ; C has row stride ldc. */
export function gemmNT(a: Buf, b: Buf, c: Buf, m: number, n: number, k: number, ldc: number): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // biome-ignore format: block
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // biome-ignore format: block
      for (let t = 0; t < k; t++) {
        const x0 = a[a0 + t];
        const x1 = a[a1 + t];
        const x2 = a[a2 + t];
        const x3 = a[a3 + t];
        const y0 = b[b0 + t];
        const y1 = b[b1 + t];
        const y2 = b[b2 + t];
        const y3 = b[b3 + t];
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
      let o = i * ldc + j;
      c[o] = c00;
      c[o + 1] = c01;
      c[o + 2] = c02;
      c[o + 3] = c03;
      o += ldc;
      c[o] = c10;
      c[o + 1] = c11;
      c[o + 2] = c12;
      c[o + 3] = c13;
      o += ldc;
      c[o] = c20;
      c[o + 1] = c21;
      c[o + 2] = c22;
      c[o + 3] = c23;
      o += ldc;
      c[o] = c30;
      c[o + 1] = c31;
      c[o + 2] = c32;
      c[o + 3] = c33;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < k; t++) {
        const y = b[b0 + t];
        s0 += a[a0 + t] * y;
        s1 += a[a1 + t] * y;
        s2 += a[a2 + t] * y;
        s3 += a[a3 + t] * y;
      }
      c[i * ldc + j] = s0;
      c[(i + 1) * ldc + j] = s1;
      c[(i + 2) * ldc + j] = s2;
      c[(i + 3) * ldc + j] = s3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let j = 0; j < n; j++) {
      const b0 = j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[a0 + t] * b[b0 + t];
      c[i * ldc + j] = s;
    }
  }
}

/**
 * C[m×n] += op(A) · B[k×n], where op(A) is A[m×k] (transA false, row stride lda) or A[k×m]ᵀ
 * (transA true, row stride lda). C starts at cOff with row stride ldc.
 */
export function gemmAcc(
  a: Buf,
  lda: number,
  transA: boolean,
  b: Buf,
  c: Buf,
  cOff: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
): void {
  // Element (i, t) of op(A) lives at i·si + t·st.
  const si = transA ? 1 : lda;
  const st = transA ? lda : 1;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = i * si;
    const a1 = a0 + si;
    const a2 = a1 + si;
    const a3 = a2 + si;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // biome-ignore format: block
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // biome-ignore format: block
      let at = 0;
      let bt = j;
      for (let t = 0; t < k; t++, at += st, bt += n) {
        const x0 = a[a0 + at];
        const x1 = a[a1 + at];
        const x2 = a[a2 + at];
        const x3 = a[a3 + at];
        const y0 = b[bt];
        const y1 = b[bt + 1];
        const y2 = b[bt + 2];
        const y3 = b[bt + 3];
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
      let o = cOff + i * ldc + j;
      c[o] += c00;
      c[o + 1] += c01;
      c[o + 2] += c02;
      c[o + 3] += c03;
      o += ldc;
      c[o] += c10;
      c[o + 1] += c11;
      c[o + 2] += c12;
      c[o + 3] += c13;
      o += ldc;
      c[o] += c20;
      c[o + 1] += c21;
      c[o + 2] += c22;
      c[o + 3] += c23;
      o += ldc;
      c[o] += c30;
      c[o + 1] += c31;
      c[o + 2] += c32;
      c[o + 3] += c33;
    }
    for (; j < n; j++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0, at = 0; t < k; t++, at += st) {
        const y = b[t * n + j];
        s0 += a[a0 + at] * y;
        s1 += a[a1 + at] * y;
        s2 += a[a2 + at] * y;
        s3 += a[a3 + at] * y;
      }
      const o = cOff + i * ldc + j;
      c[o] += s0;
      c[o + ldc] += s1;
      c[o + 2 * ldc] += s2;
      c[o + 3 * ldc] += s3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * si;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[a0 + t * st] * b[t * n + j];
      c[cOff + i * ldc + j] += s;
    }
  }
}
