import { describe, expect, it } from 'vitest';
import { batchGdMean, miniBatchGdMean, sgdMean } from './gradient-descent.js';
import { incrementalMean, robbinsMonro } from './stochastic-approximation.js';

describe('Robbins–Monro', () => {
  it('solves tanh(w − 1) = 0 from w₁ = 3 with a_k = 1/k: w_{k+1} = w_k − a_k tanh(w_k − 1)', () => {
    const { w } = robbinsMonro({ g: (x) => Math.tanh(x - 1), w1: 3, iterations: 9, stepSize: (k) => 1 / k });
    expect(w[0]).toBe(3);
    expect(Math.abs(w[1] - 2.035972)).toBeLessThan(1e-6);
    expect(Math.abs(w[2] - 1.647826)).toBeLessThan(1e-6);
    expect(Math.abs(w[9] - 1.159205)).toBeLessThan(1e-6);
  });

  it('converges to the root under zero-mean noise, reproducibly for a seed', () => {
    const run = () =>
      robbinsMonro({
        g: (x) => 2 * (x - 4),
        w1: 0,
        iterations: 20_000,
        stepSize: (k) => 1 / (k + 1),
        noise: (_k, rng) => rng.normal(0, 1),
        seed: 11,
      });
    const a = run();
    expect(Math.abs(a.w[20_000] - 4)).toBeLessThan(0.05);
    expect(Array.from(run().w)).toEqual(Array.from(a.w));
  });

  it('rejects bad input', () => {
    expect(() => robbinsMonro({ g: (x) => x, w1: Number.NaN, iterations: 1, stepSize: () => 1 })).toThrow(
      /robbinsMonro: w1 must be a finite number, got NaN/,
    );
    expect(() => robbinsMonro({ g: (x) => x, w1: 0, iterations: 2, stepSize: (k) => 2 - k })).toThrow(
      /robbinsMonro: stepSize\(2\) = 0, must be a positive number/,
    );
  });
});

describe('mean estimation', () => {
  const samples = [
    Float64Array.of(1, 10),
    Float64Array.of(3, -2),
    Float64Array.of(8, 4),
    Float64Array.of(-4, 0),
  ];
  const mean = [2, 3];

  it('the incremental mean equals the running average', () => {
    expect(Array.from(incrementalMean([2, 4, 9, -3]))).toEqual([2, 3, 5, 3]);
    expect(() => incrementalMean([1, Number.NaN])).toThrow(/incrementalMean: sample 1 is NaN/);
  });

  it('SGD with α_k = 1/k over the samples in order is the incremental mean', () => {
    const { w } = sgdMean({
      samples,
      w1: [100, -100],
      iterations: 4,
      stepSize: (k) => 1 / k,
      sampling: 'cyclic',
    });
    expect(Array.from(w[1])).toEqual([1, 10]);
    expect(w[2][0]).toBeCloseTo(2, 12);
    expect(w[2][1]).toBeCloseTo(4, 12);
    expect(w[4][0]).toBeCloseTo(mean[0], 12);
    expect(w[4][1]).toBeCloseTo(mean[1], 12);
  });

  it('BGD: w_{k+1} − x̄ = (1 − α)(w_k − x̄), so α = 1 lands on the mean in one step', () => {
    const one = batchGdMean({ samples, w1: [10, 10], iterations: 1, stepSize: () => 1 });
    expect(Array.from(one.mean)).toEqual(mean);
    expect(one.errors[1]).toBeCloseTo(0, 12);
    const half = batchGdMean({ samples, w1: [10, 3], iterations: 3, stepSize: () => 0.5 });
    expect(Array.from(half.errors)).toEqual([8, 4, 2, 1]);
  });

  it('MBGD and SGD approach the mean; larger batches are closer on average', () => {
    const base = { samples, w1: [50, 50], iterations: 2000, stepSize: (k: number) => 1 / k, seed: 4 };
    const sgd = sgdMean(base);
    const mbgd = miniBatchGdMean({ ...base, batchSize: 3 });
    expect(sgd.errors[2000]).toBeLessThan(0.5);
    expect(mbgd.errors[2000]).toBeLessThan(0.5);
    expect(sgd.w).toHaveLength(2001);
  });

  it('rejects bad input', () => {
    expect(() => sgdMean({ samples, w1: [1], iterations: 1, stepSize: () => 1 })).toThrow(
      /sgdMean: sample 0 has dimension 2, w1 has 1/,
    );
    expect(() =>
      miniBatchGdMean({ samples, w1: [1, 1], iterations: 1, stepSize: () => 1, batchSize: 0 }),
    ).toThrow(/miniBatchGdMean: batchSize must be a positive integer, got 0/);
    expect(() => batchGdMean({ samples: [], w1: [1], iterations: 1, stepSize: () => 1 })).toThrow(
      /batchGdMean: need at least one sample/,
    );
  });
});
