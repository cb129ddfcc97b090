/** Round axis ticks: a step of 1, 2 or 5 × 10^k and the multiples of it that cover [lo, hi]. */
export interface Ticks {
  /** The axis range, widened to whole steps. */
  lo: number;
  hi: number;
  step: number;
  values: number[];
  /** Decimals that print every tick exactly (0 for integral steps). */
  decimals: number;
}

/**
 * About `target` round ticks covering [lo, hi]: the step is the 1–2–5 multiple of a power of ten nearest
 * above (hi − lo) / target, and the range is widened to whole steps, so ticks read 0, 0.2, 0.4 … rather
 * than 7.59, 22.8, 30.3.
 */
export function niceTicks(lo: number, hi: number, target = 5): Ticks {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new Error(`niceTicks: need finite lo <= hi, got ${lo}, ${hi}`);
  }
  if (!(Number.isInteger(target) && target >= 1))
    throw new Error(`niceTicks: target must be a positive integer, got ${target}`);
  if (hi === lo) {
    const half = lo === 0 ? 1 : Math.abs(lo) / 2;
    return niceTicks(lo - half, hi + half, target);
  }
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = [1, 2, 5, 10].find((m) => m * power >= raw * (1 - 1e-9)) ?? 10;
  const step = mantissa * power;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  // Multiply integers by the step and round to the printed decimals, so 0.1 · 3 shows as 0.3.
  const values = Array.from({ length: last - first + 1 }, (_, i) =>
    Number(((first + i) * step).toFixed(decimals)),
  );
  return { lo: values[0], hi: values[values.length - 1], step, values, decimals };
}

/** A tick label: fixed decimals from the step; very large or small magnitudes in exponent form. */
export function formatTick(x: number, decimals: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(1).replace('e+', 'e');
  return x.toFixed(decimals);
}
