import { createContext, manualSeed } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import {
  fans,
  kaimingNormal,
  kaimingUniform,
  normal,
  truncatedNormal,
  uniform,
  xavierNormal,
  xavierUniform,
} from './init.js';

function moments(xs: Float32Array | Float64Array): {
  mean: number;
  variance: number;
  min: number;
  max: number;
} {
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, variance: v / xs.length, min: Math.min(...xs), max: Math.max(...xs) };
}

/** Within 5% of the formula (the sample has ≥ 40,000 draws: the standard error is < 1%). */
const near = (got: number, want: number) => expect(Math.abs(got / want - 1)).toBeLessThan(0.05);

describe('initializers', () => {
  const context = createContext();
  manualSeed(1, context);
  const shape = [200, 100, 2, 2]; // fanIn 400, fanOut 800

  it('fans follow PyTorch: [out, in, kh, kw]', () => {
    expect(fans(shape)).toEqual({ fanIn: 400, fanOut: 800 });
    expect(() => fans([3])).toThrow(/fans: fan-in and fan-out need a weight of rank ≥ 2, got shape \[3\]/);
  });

  it('uniform and normal have the variance of their formulas', () => {
    const u = moments(uniform([40_000], -2, 4, { context }).dataSync() as Float32Array);
    near(u.variance, 36 / 12);
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(4);
    const n = moments(normal([40_000], 3, 0.5, { context }).dataSync() as Float32Array);
    near(n.variance, 0.25);
    expect(Math.abs(n.mean - 3)).toBeLessThan(0.02);
  });

  it('truncatedNormal stays in [a, b] with the truncated variance', () => {
    const t = moments(
      truncatedNormal([40_000], 0, 1, -1, 1, { context, dtype: 'f64' }).dataSync() as Float64Array,
    );
    expect(t.min).toBeGreaterThanOrEqual(-1);
    expect(t.max).toBeLessThanOrEqual(1);
    // Var of N(0,1) truncated to [−1, 1]: 1 − 2φ(1)/(Φ(1) − Φ(−1)), φ(1) = e^(−1/2)/√(2π), Φ(1) − Φ(−1) = 0.682689492…
    const phi1 = Math.exp(-0.5) / Math.sqrt(2 * Math.PI);
    near(t.variance, 1 - (2 * phi1) / 0.6826894921370859);
  });

  it('xavier: Var = gain²·2/(fanIn + fanOut); kaiming: Var = gain²/fan', () => {
    near(moments(xavierUniform(shape, { context }).dataSync() as Float32Array).variance, 2 / 1200);
    near(
      moments(xavierNormal(shape, { gain: 2, context }).dataSync() as Float32Array).variance,
      (4 * 2) / 1200,
    );
    near(
      moments(kaimingUniform(shape, { nonlinearity: 'relu', context }).dataSync() as Float32Array).variance,
      2 / 400,
    );
    near(
      moments(
        kaimingNormal(shape, { nonlinearity: 'relu', mode: 'fanOut', context }).dataSync() as Float32Array,
      ).variance,
      2 / 800,
    );
    // leaky ReLU slope a: gain² = 2/(1 + a²)
    near(
      moments(kaimingNormal(shape, { a: 0.5, context }).dataSync() as Float32Array).variance,
      2 / 1.25 / 400,
    );
  });

  it('the same seed gives the same weights; half precision is a cast', () => {
    const c = createContext();
    manualSeed(9, c);
    const a = Array.from(kaimingUniform([4, 4], { context: c }).dataSync());
    manualSeed(9, c);
    const b = Array.from(kaimingUniform([4, 4], { context: c }).dataSync());
    expect(a).toEqual(b);
    expect(xavierUniform([4, 4], { dtype: 'bf16', context: c }).dtype).toBe('bf16');
  });
});
