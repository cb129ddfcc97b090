import { describe, expect, it } from 'vitest';
import type { Context } from './context.js';
import { createContext, memory, tidy } from './default-context.js';
import { ones, zeros } from './ops/creation.js';
import type { ReclaimReport } from './reclaim.js';
import type { Tensor } from './tensor.js';
import { collectGarbage } from './testing/collect-garbage.js';

/** Makes tensors in a frame of its own so that no register or local keeps them reachable. */
function drop(ctx: Context, n: number, size: number): void {
  for (let i = 0; i < n; i++) zeros([size], { context: ctx }).add(1);
}

describe('garbage-collection safety net', () => {
  it('releases the storage of handles dropped without dispose() and counts them', async () => {
    const ctx = createContext();
    drop(ctx, 50, 256);
    // Each iteration made two tensors of 256 f32 (the zeros and the sum): 100 × 1 KiB.
    expect(memory(ctx)).toMatchObject({ tensors: 100, bytes: 102_400 });
    await collectGarbage();
    expect(memory(ctx)).toMatchObject({
      tensors: 0,
      bytes: 0,
      reclaimedTensors: 100,
      reclaimedBytes: 102_400,
    });
    expect(memory(ctx).devices.cpu).toMatchObject({ reclaimedTensors: 100, reclaimedBytes: 102_400 });
  });

  it('never releases a disposed handle twice, and leaves tidy and kept tensors alone', async () => {
    const ctx = createContext();
    const held: Tensor[] = [];
    (() => {
      const a = ones([64], { context: ctx });
      a.dispose();
      const kept = tidy(() => ones([64], { context: ctx }).mul(2), ctx);
      held.push(kept);
    })();
    await collectGarbage();
    // `a` was disposed (counted once, not reclaimed); the tidy temporary was disposed by tidy.
    expect(memory(ctx)).toMatchObject({ tensors: 1, bytes: 256, reclaimedTensors: 0, reclaimedBytes: 0 });
    expect(held[0].dataSync()).toEqual(new Float32Array(64).fill(2));
    held[0].dispose();
    expect(memory(ctx)).toMatchObject({ tensors: 0, bytes: 0 });
  });

  it('a view keeps the shared storage until its own handle goes, whichever way each goes', async () => {
    const ctx = createContext();
    const keepView: Tensor[] = [];
    (() => {
      const base = zeros([16, 16], { context: ctx });
      keepView.push(base.transpose());
    })();
    await collectGarbage();
    // The base handle was reclaimed, but its storage lives on through the view.
    expect(memory(ctx)).toMatchObject({ tensors: 1, bytes: 1024, reclaimedTensors: 1, reclaimedBytes: 0 });
    expect(keepView[0].dataSync()).toEqual(new Float32Array(256));
    keepView[0].dispose();
    expect(memory(ctx)).toMatchObject({ tensors: 0, bytes: 0, reclaimedTensors: 1, reclaimedBytes: 0 });

    // The other order: the view is disposed first and the base is collected last.
    (() => {
      const base = zeros([8], { context: ctx });
      base.reshape([2, 4]).dispose();
      base.add(0).dispose();
    })();
    await collectGarbage();
    expect(memory(ctx)).toMatchObject({ tensors: 0, bytes: 0, reclaimedTensors: 2, reclaimedBytes: 32 });
  });

  it('assign moves the safety net to the new storage', async () => {
    const ctx = createContext();
    const oldStore: Tensor[] = [];
    (() => {
      const p = zeros([4], { context: ctx });
      oldStore.push(p.reshape([2, 2]));
      p.assign(ones([4], { context: ctx }));
    })();
    // p (assigned) and the ones handle were dropped; the reshape still holds p's first storage.
    await collectGarbage();
    expect(memory(ctx)).toMatchObject({ tensors: 1, bytes: 16, reclaimedTensors: 2, reclaimedBytes: 16 });
    expect(oldStore[0].dataSync()).toEqual(new Float32Array(4));
    oldStore[0].dispose();
    expect(memory(ctx).bytes).toBe(0);
  });

  it('debug mode reports the creation site of each reclaimed tensor', async () => {
    const reports: ReclaimReport[] = [];
    const ctx = createContext({ debug: true, onReclaim: (r) => reports.push(r) });
    (function makeAndForget() {
      ones([2, 3], { context: ctx });
    })();
    (() => ones([1], { context: ctx }).dispose())();
    await collectGarbage();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ device: 'cpu', shape: [2, 3], dtype: 'f32' });
    expect(reports[0].site).toContain('makeAndForget');
    expect(reports[0].site).toContain('safety-net.test.ts');
    expect(reports[0].site.split('\n')[0]).not.toMatch(/trackTensor|new Tensor/);
  });

  it('debug mode without a callback warns once per creation site', async () => {
    const ctx = createContext({ debug: true });
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (msg: string) => warnings.push(msg);
    try {
      (function leakTwice() {
        for (let i = 0; i < 2; i++) ones([5], { context: ctx });
      })();
      await collectGarbage();
    } finally {
      console.warn = warn;
    }
    expect(memory(ctx).reclaimedTensors).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /f32 tensor of shape \[5\] on 'cpu' was garbage-collected without dispose\(\)/,
    );
    expect(warnings[0]).toContain('leakTwice');
  });

  it('rejects unknown context options by name', () => {
    expect(() => createContext({ debugg: true } as never)).toThrow(/createContext: unknown option 'debugg'/);
  });
});

describe('gcSafetyNet: false', () => {
  it('leaves undisposed handles counted as live (the behaviour without the safety net)', async () => {
    const ctx = createContext({ gcSafetyNet: false });
    drop(ctx, 10, 4);
    await collectGarbage();
    expect(memory(ctx)).toMatchObject({ tensors: 20, bytes: 320, reclaimedTensors: 0 });
  });
});
