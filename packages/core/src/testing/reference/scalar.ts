/** Scalar functions of the reference, derived independently of core's kernels. */

/** erf by composite Simpson integration of 2/√π·e^(−t²) over [0, x] (error < 1e-13 here). */
export function refErf(x: number): number {
  if (x < 0) return -refErf(-x);
  if (x > 6) return 1;
  const n = 4000;
  const h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
}

export function refRoundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

export function refSigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
