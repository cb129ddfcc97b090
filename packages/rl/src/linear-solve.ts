/**
 * Solves A x = b for square A (n×n, row-major) by Gaussian elimination with partial pivoting: at column k the
 * row with the largest |A[i][k]| (i ≥ k) is swapped up before eliminating, which keeps multipliers ≤ 1 in
 * magnitude and the elimination numerically stable. Inputs are not modified. Throws if A is singular.
 */
export function solveLinearSystem(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`solveLinearSystem: n must be a positive integer, got ${n}`);
  if (A.length !== n * n)
    throw new Error(`solveLinearSystem: A must have n·n = ${n * n} entries, got ${A.length}`);
  if (b.length !== n) throw new Error(`solveLinearSystem: b must have n = ${n} entries, got ${b.length}`);
  const m = Float64Array.from(A);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < m.length; i++) scale = Math.max(scale, Math.abs(m[i]));
  const tiny = scale * n * Number.EPSILON;
  for (let k = 0; k < n; k++) {
    let pivotRow = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[pivotRow * n + k])) pivotRow = i;
    const pivot = m[pivotRow * n + k];
    if (!(Math.abs(pivot) > tiny))
      throw new Error(`solveLinearSystem: matrix is singular (pivot ${pivot} at column ${k})`);
    if (pivotRow !== k) {
      for (let j = k; j < n; j++) {
        const t = m[k * n + j];
        m[k * n + j] = m[pivotRow * n + j];
        m[pivotRow * n + j] = t;
      }
      const t = x[k];
      x[k] = x[pivotRow];
      x[pivotRow] = t;
    }
    for (let i = k + 1; i < n; i++) {
      const factor = m[i * n + k] / pivot;
      if (factor === 0) continue;
      for (let j = k; j < n; j++) m[i * n + j] -= factor * m[k * n + j];
      x[i] -= factor * x[k];
    }
  }
  // Back substitution: x_k = (b_k − Σ_{j>k} U_kj x_j) / U_kk.
  for (let k = n - 1; k >= 0; k--) {
    let sum = x[k];
    for (let j = k + 1; j < n; j++) sum -= m[k * n + j] * x[j];
    x[k] = sum / m[k * n + k];
  }
  return x;
}
