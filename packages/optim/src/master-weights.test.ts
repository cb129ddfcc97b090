import { backward, requiresGrad } from '@tessera/autograd';
import { autocast, createContext, keep, matmul, memory, randn, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { DynamicLossScaler } from './dynamic-loss-scaler.js';
import { SGD } from './sgd.js';

describe('half-precision parameters keep f32 master weights', () => {
  it('SGD on an f16 parameter accumulates updates far below its f16 spacing', () => {
    const context = createContext();
    // f16 spacing at 1 is 2⁻¹⁰ ≈ 9.8e-4; 100 updates of 1e-5 each are invisible in f16 alone.
    const p = requiresGrad(keep(tensor([1], { dtype: 'f16', context })));
    const opt = new SGD([p], { lr: 1e-5 });
    for (let i = 0; i < 100; i++) {
      opt.zeroGrad();
      tidy(() => backward(p.cast('f32').sum()), context);
      opt.step();
    }
    const master = opt.stateDict().state[0].tensors.master;
    expect(master.dtype).toBe('f32');
    // 1 − 100·1e-5 in f32 arithmetic (each step rounds), ≈ 0.999; the f16 parameter is its rounding.
    let want = 1;
    for (let i = 0; i < 100; i++) want = Math.fround(want - Math.fround(1e-5));
    expect(master.dataSync()[0]).toBeCloseTo(want, 7);
    expect(p.dtype).toBe('f16');
    expect(p.dataSync()[0]).toBeCloseTo(0.999, 3);
    expect(p.dataSync()[0]).not.toBe(1);
  });

  it('Adam on f16 parameters holds 2 + 2 + 4 + 8 bytes per parameter after a step (mixed precision)', () => {
    const context = createContext();
    const w = requiresGrad(keep(randn([32, 16], { context }).cast('f16')));
    const x = keep(randn([4, 32], { context }).cast('f16'));
    const before = memory(context).bytes;
    const opt = new Adam([w], { lr: 1e-3 });
    for (let step = 0; step < 2; step++) {
      opt.zeroGrad();
      tidy(() => backward(matmul(x, w).cast('f32').square().mean()), context);
      opt.step();
    }
    const n = 32 * 16;
    // weights (counted before) 2n; gradient 2n; master 4n; moments 8n.
    expect(memory(context).bytes - before).toBe(2 * n + 4 * n + 8 * n);
  });
});

describe('autocast with the dynamic loss scaler', () => {
  it('trains through autocast, and an injected overflow makes the scaler skip the step and back off', () => {
    const context = createContext();
    const w = requiresGrad(keep(randn([8, 4], { context }).mul(0.1)));
    const x = keep(randn([16, 8], { context }));
    const y = keep(randn([16, 4], { context }));
    const opt = new Adam([w], { lr: 1e-2 });
    const scaler = new DynamicLossScaler({ initScale: 1024, growthInterval: 1000 });
    const step = (poison: boolean) => {
      opt.zeroGrad();
      const loss = tidy(() => {
        const l = autocast(() => matmul(x, w).sub(y).square().mean(), { context });
        // The injected overflow: an infinite loss, as an f16 activation past 65,504 gives.
        const scaled = scaler.scaleLoss(poison ? l.mul(Number.POSITIVE_INFINITY) : l);
        backward(scaled);
        return l.itemSync();
      }, context);
      return { loss, stepped: scaler.step(opt) };
    };
    const first = step(false).loss;
    const wBefore = Array.from(w.dataSync());
    const poisoned = step(true);
    expect(poisoned.stepped).toBe(false);
    expect(scaler.skipped).toBe(1);
    expect(scaler.scale).toBe(512);
    expect(Array.from(w.dataSync())).toEqual(wBefore);
    let last = first;
    for (let i = 0; i < 30; i++) last = step(false).loss;
    expect(last).toBeLessThan(first);
    expect(w.grad === undefined || w.grad.dtype === 'f32').toBe(true);
  });
});
