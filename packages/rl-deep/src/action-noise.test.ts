import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { GaussianNoise, OrnsteinUhlenbeckNoise } from './action-noise.js';

function moments(xs: Float64Array): { mean: number; std: number } {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length) };
}

describe('OrnsteinUhlenbeckNoise', () => {
  it('has the stationary standard deviation σ/√(2θ) over a long run', () => {
    // θ = 1.5, dt = 0.01: correlation time 1/(θ·dt) ≈ 67 steps, so 500,000 steps hold about 7,500
    // independent stretches and the estimated std is good to about 1%. (The discrete recursion's
    // σ/√(2θ − θ²dt) is 0.4% above σ/√(2θ) here.)
    const sigma = 0.3;
    const theta = 1.5;
    const noise = new OrnsteinUhlenbeckNoise({ dim: 2, sigma: [sigma, 2 * sigma], theta, rng: new Rng(7) });
    for (let t = 0; t < 2_000; t++) noise.sample(); // forget the start at 0
    const n = 500_000;
    const xs = [new Float64Array(n), new Float64Array(n)];
    for (let t = 0; t < n; t++) {
      const x = noise.sample();
      xs[0][t] = x[0];
      xs[1][t] = x[1];
    }
    const expected = sigma / Math.sqrt(2 * theta); // 0.1732
    const a = moments(xs[0]);
    const b = moments(xs[1]);
    expect(Math.abs(a.std / expected - 1)).toBeLessThan(0.05);
    expect(Math.abs(b.std / (2 * expected) - 1)).toBeLessThan(0.05);
    expect(Math.abs(a.mean)).toBeLessThan(0.1 * expected);
  });

  it('is correlated from step to step as exp(−θ·dt) and starts again from `initial` after reset', () => {
    const noise = new OrnsteinUhlenbeckNoise({
      dim: 1,
      sigma: 1,
      theta: 2,
      dt: 0.1,
      initial: 3,
      rng: new Rng(1),
    });
    const n = 200_000;
    const xs = new Float64Array(n);
    for (let t = 0; t < n; t++) xs[t] = noise.sample()[0];
    const { mean, std } = moments(xs.subarray(1000));
    let cov = 0;
    for (let t = 1001; t < n; t++) cov += (xs[t] - mean) * (xs[t - 1] - mean);
    const lag1 = cov / (n - 1001) / std ** 2;
    expect(lag1).toBeCloseTo(1 - 2 * 0.1, 1); // the Euler–Maruyama recursion's AR coefficient 1 − θ·dt
    noise.reset();
    const first = noise.sample()[0]; // 3 + 2·(0 − 3)·0.1 + √0.1·ε
    expect(Math.abs(first - 2.4)).toBeLessThan(5 * Math.sqrt(0.1));
    expect(() => new OrnsteinUhlenbeckNoise({ dim: 1, sigma: 1, theta: 0, rng: new Rng(0) })).toThrow(
      /θ > 0/,
    );
  });
});

describe('GaussianNoise', () => {
  it('draws independent N(mean, σ²) per dimension', () => {
    const noise = new GaussianNoise({ dim: 2, sigma: [0.1, 0.5], mean: [1, -1], rng: new Rng(3) });
    const n = 100_000;
    const xs = [new Float64Array(n), new Float64Array(n)];
    for (let t = 0; t < n; t++) {
      const x = noise.sample();
      xs[0][t] = x[0];
      xs[1][t] = x[1];
    }
    const a = moments(xs[0]);
    const b = moments(xs[1]);
    expect(a.mean).toBeCloseTo(1, 2);
    expect(b.mean).toBeCloseTo(-1, 1);
    expect(a.std).toBeCloseTo(0.1, 2);
    expect(b.std).toBeCloseTo(0.5, 2);
    expect(() => new GaussianNoise({ dim: 2, sigma: [1], rng: new Rng(0) })).toThrow(
      /GaussianNoise: sigma: expected 2 entries, got 1/,
    );
  });
});
