/**
 * WGSL helpers that the elementwise table's expressions call (`log1p_f32`, `expm1_f32`, `sigmoid_f32`,
 * `erf_f32`, `pow_f32`) plus integer helpers the backend's own kernels use. Each kernel includes only
 * what it needs: `preludeFor(code)` scans the generated body for helper names.
 *
 * WGSL's builtins are only loosely specified for accuracy (exp/log within a few ULP, pow undefined for
 * negative bases), so the helpers below avoid the cancellations that a direct formula would have.
 */

const HELPERS: Record<string, string> = {
  // Infinity and NaN are not representable in WGSL constant expressions (even bitcasts of constants are
  // evaluated and rejected), so they come from private variables, which are runtime values.
  inf_f32: `var<private> INF_BITS: u32 = 0x7f800000u;
fn inf_f32() -> f32 { return bitcast<f32>(INF_BITS); }`,
  nan_f32: `var<private> NAN_BITS: u32 = 0x7fc00000u;
fn nan_f32() -> f32 { return bitcast<f32>(NAN_BITS); }`,
  // NaN by its bits: drivers may compile x != x under no-NaN assumptions (lavapipe does).
  isnan_f32: `fn isnan_f32(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`,
  // log1p(x) = log(u)·x/(u−1) with u = 1+x (Goldberg): the rounding error of u cancels in the ratio.
  log1p_f32: `fn log1p_f32(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (u == inf_f32()) { return u; }
  return log(u) * (x / (u - 1.0));
}`,
  // expm1(x): a Taylor polynomial near 0, else (e^x−1)·x/log(e^x) (Kahan), which cancels exp's error.
  expm1_f32: `fn expm1_f32(x: f32) -> f32 {
  if (abs(x) < 1e-4) { return x + 0.5 * x * x + x * x * x / 6.0; }
  let u = exp(x);
  if (u == inf_f32()) { return u; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * (x / log(u));
}`,
  // σ(x) = 1/(1+e^−x) for x ≥ 0 and e^x/(1+e^x) below, so exp never overflows.
  sigmoid_f32: `fn sigmoid_f32(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}`,
  // erf: the Maclaurin series x·Σ (−1)^n x^2n / (n!(2n+1))·2/√π below |x| < 0.75 (relative error
  // < 1e-7), else 1 − erfc(|x|) with Abramowitz–Stegun 7.1.26 (absolute error ≤ 1.5e-7).
  erf_f32: `fn erf_f32(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.75) {
    let z = x * x;
    let s = 1.0 + z * (-0.3333333333 + z * (0.1 + z * (-0.0238095238 + z * (0.0046296296
      + z * (-0.0007575758 + z * (0.0001068376 + z * -0.0000132275))))));
    return 1.1283791670955126 * x * s;
  }
  if (a >= 4.0) { return sign(x); }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * exp(-a * a));
}`,
  // pow: WGSL's pow is undefined for negative bases, so |a|^b carries the sign for odd integer b;
  // a negative base with a fractional exponent is NaN, as in IEEE pow.
  pow_f32: `fn pow_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(0.0, inf_f32(), b < 0.0); }
  let m = pow(abs(a), b);
  if (a > 0.0) { return m; }
  // A negative base to a non-integer power is NaN, except −∞, which gives m (+∞ or +0) as in IEEE 754.
  if (floor(b) != b) { return select(nan_f32(), m, a == -inf_f32()); }
  let odd = abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  return select(m, -m, odd);
}`,
  // Integer power by squaring (exact, wrapping like i32 products); negative exponents truncate to 0
  // except for bases ±1, as truncating the real result does.
  pow_i32: `fn pow_i32(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  // f32 → i32 as a JS Int32Array store does: NaN and ±∞ give 0, others truncate then wrap mod 2^32.
  f32_to_i32: `fn f32_to_i32(x: f32) -> i32 {
  if (isnan_f32(x) || abs(x) == inf_f32()) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let m = t - 4294967296.0 * floor(t / 4294967296.0);
  return bitcast<i32>(u32(m));
}`,
};

/** Helpers that other helpers call. */
const DEPENDS: Record<string, string[]> = {
  log1p_f32: ['inf_f32'],
  expm1_f32: ['inf_f32'],
  pow_f32: ['inf_f32', 'nan_f32'],
  f32_to_i32: ['inf_f32', 'isnan_f32'],
};

/** The helper definitions that `code` calls, dependencies first. */
export function preludeFor(code: string): string {
  const need = new Set<string>();
  const add = (name: string): void => {
    if (need.has(name)) return;
    for (const d of DEPENDS[name] ?? []) add(d);
    need.add(name);
  };
  for (const name of Object.keys(HELPERS)) if (new RegExp(`\\b${name}\\(`).test(code)) add(name);
  return [...need].map((n) => HELPERS[n]).join('\n');
}

/** A JS number as a WGSL f32 expression (±Infinity and NaN have no literal). */
export function f32Literal(x: number): string {
  if (Number.isNaN(x)) return 'nan_f32()';
  if (x === Number.POSITIVE_INFINITY) return 'inf_f32()';
  if (x === Number.NEGATIVE_INFINITY) return '(-inf_f32())';
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
