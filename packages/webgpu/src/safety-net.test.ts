import { backward, noGrad, requiresGrad } from '@tessera/autograd';
import { matmul, memory, randn, zeros } from '@tessera/core';
import { collectGarbage } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { testDevice } from './test-device.js';

const dev = await testDevice('@tessera/webgpu safety-net tests');
const suite = describe.skipIf('skip' in dev);

suite('garbage-collection safety net on webgpu', () => {
  const { ctx, backend } = dev as Exclude<typeof dev, { skip: string }>;
  const on = { context: ctx, device: 'webgpu' } as const;

  it('returns the buffers of collected tensors to the pool', async () => {
    const before = backend.memory().liveBuffers;
    const beforeTensors = memory(ctx).devices.webgpu?.tensors ?? 0;
    (() => {
      for (let i = 0; i < 20; i++) zeros([64], on).add(1);
    })();
    expect(backend.memory().liveBuffers).toBe(before + 40);
    await collectGarbage();
    expect(backend.memory().liveBuffers).toBe(before);
    expect(memory(ctx).devices.webgpu).toMatchObject({ tensors: beforeTensors });
    expect(memory(ctx).devices.webgpu.reclaimedTensors).toBeGreaterThanOrEqual(40);
  });

  it('a training loop without tidy keeps live GPU buffers flat over 200 steps', async () => {
    // x·W + b regressed with plain SGD; the loss, activations and gradients are never disposed.
    const x = randn([32, 16], on);
    const y = randn([32, 4], on);
    const w = requiresGrad(randn([16, 4], on).mul(0.1));
    const b = requiresGrad(zeros([4], on));
    const live: number[] = [];
    const losses: number[] = [];
    const reclaimedBefore = memory(ctx).devices.webgpu.reclaimedTensors;
    for (let step = 1; step <= 200; step++) {
      w.grad = undefined;
      b.grad = undefined;
      const loss = matmul(x, w).add(b).sub(y).square().mean();
      backward(loss);
      noGrad(() => {
        w.assign(w.sub(w.grad!.mul(0.05)));
        b.assign(b.sub(b.grad!.mul(0.05)));
      }, ctx);
      if (step % 50 === 0) {
        losses.push(await loss.item());
        await collectGarbage();
        live.push(backend.memory().liveBuffers);
      }
    }
    // Every step leaves at least five tensors (loss, activations, gradients) to the collector.
    expect(memory(ctx).devices.webgpu.reclaimedTensors - reclaimedBefore).toBeGreaterThanOrEqual(5 * 200);
    expect(Math.max(...live) - Math.min(...live)).toBeLessThanOrEqual(4);
    expect(losses[3]).toBeLessThan(losses[0]);
  });
});
