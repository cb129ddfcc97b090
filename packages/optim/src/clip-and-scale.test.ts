import { createContext, memory } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { clipGradNorm } from './clip-grad-norm.js';
import { DynamicLossScaler } from './dynamic-loss-scaler.js';
import { SGD } from './sgd.js';
import { param, setGrad } from './test-support.js';

describe('clipGradNorm', () => {
  it('returns the total 2-norm and scales gradients to maxNorm', () => {
    const ctx = createContext();
    const a = param([0, 0], ctx);
    const b = param([0], ctx);
    setGrad(a, [3, 0]);
    setGrad(b, [4]);
    const before = memory(ctx).tensors;
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(5, 6);
    expect(memory(ctx).tensors).toBe(before);
    const k = 1 / (5 + 1e-6);
    expect(Array.from(a.grad!.dataSync())).toEqual([3 * k, 0].map((v) => expect.closeTo(v, 9)));
    expect(b.grad!.itemSync()).toBeCloseTo(4 * k, 9);
  });

  it('leaves small gradients alone and supports the ∞-norm', () => {
    const ctx = createContext();
    const a = param([0, 0], ctx);
    setGrad(a, [0.3, -0.4]);
    expect(clipGradNorm([a], 1)).toBeCloseTo(0.5, 9);
    expect(Array.from(a.grad!.dataSync())).toEqual([0.3, -0.4]);
    expect(clipGradNorm([a], 0.1, Number.POSITIVE_INFINITY)).toBeCloseTo(0.4, 9);
    expect(a.grad!.dataSync()[1]).toBeCloseTo((-0.4 * 0.1) / (0.4 + 1e-6), 9);
  });
});

describe('DynamicLossScaler', () => {
  it('unscales finite gradients before the step, skips and backs off on inf/NaN, grows after the interval', () => {
    const ctx = createContext();
    const p = param([1, 1], ctx);
    const opt = new SGD([p], { lr: 0.5 });
    const scaler = new DynamicLossScaler({ initScale: 8, growthInterval: 2 });
    // gradient of (scaled) loss: S·g with g = [1, −2]
    setGrad(p, [8, -16]);
    expect(scaler.step(opt)).toBe(true);
    expect(Array.from(p.dataSync())).toEqual([0.5, 2]);
    setGrad(p, [Number.POSITIVE_INFINITY, 0]);
    expect(scaler.step(opt)).toBe(false);
    expect(Array.from(p.dataSync())).toEqual([0.5, 2]);
    expect(p.grad).toBeUndefined();
    expect(scaler.scale).toBe(4);
    setGrad(p, [Number.NaN, 0]);
    expect(scaler.step(opt)).toBe(false);
    expect(scaler.scale).toBe(2);
    setGrad(p, [2, 2]);
    scaler.step(opt);
    setGrad(p, [2, 2]);
    scaler.step(opt);
    expect(scaler.scale).toBe(4);
    expect(scaler.skipped).toBe(2);
    expect(Array.from(p.dataSync())).toEqual([-0.5, 1]);
  });
});
