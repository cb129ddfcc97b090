import { describe, expect, it } from 'vitest';
import { createContext, dispose, keep, memory, tidy } from './default-context.js';
import { ones, randn, tensor, zeros } from './ops/creation.js';
import { add, exp, mul } from './ops/elementwise.js';
import type { Tensor } from './tensor.js';

describe('memory', () => {
  it('10,000 iterations of a small computation inside tidy leave the live tensor count unchanged', () => {
    const ctx = createContext();
    const x = randn([4, 4], { context: ctx });
    let acc: Tensor = zeros([4, 4], { context: ctx });
    const before = memory(ctx).tensors;
    for (let i = 0; i < 10_000; i++) {
      const next = tidy(() => add(acc, mul(exp(x.mul(0.01)), 1e-4)), ctx);
      acc.dispose();
      acc = next;
    }
    expect(memory(ctx).tensors).toBe(before);
    expect(acc.dataSync()[0]).toBeGreaterThan(0);
  });

  it('tidy disposes what fn made and did not return, even when it throws', () => {
    const ctx = createContext();
    const base = memory(ctx).tensors;
    const kept = tidy(() => {
      const a = ones([3], { context: ctx });
      const b = a.add(1);
      keep(b.mul(2));
      return { out: [b.exp()] };
    }, ctx);
    // The returned tensor and the kept one survive.
    expect(memory(ctx).tensors).toBe(base + 2);
    expect(() =>
      tidy(() => {
        ones([3], { context: ctx });
        throw new Error('boom');
      }, ctx),
    ).toThrow('boom');
    expect(memory(ctx).tensors).toBe(base + 2);
    dispose(kept);
    expect(memory(ctx).tensors).toBe(base + 1);
  });

  it('nested tidy moves returned tensors to the outer scope', () => {
    const ctx = createContext();
    const base = memory(ctx).tensors;
    tidy(() => {
      const inner = tidy(() => ones([2], { context: ctx }).add(1), ctx);
      expect(inner.isDisposed).toBe(false);
      return undefined;
    }, ctx);
    expect(memory(ctx).tensors).toBe(base);
  });

  it('tidy refuses an async function', () => {
    const ctx = createContext();
    expect(() => tidy(async () => ones([1], { context: ctx }), ctx)).toThrow(/synchronous/);
    expect(memory(ctx).tensors).toBe(0);
  });

  it('views share storage: bytes are freed with the last handle', () => {
    const ctx = createContext();
    const a = zeros([256], { context: ctx });
    const r = a.reshape([16, 16]);
    const v = r.transpose();
    r.dispose();
    expect(memory(ctx).bytes).toBe(1024);
    a.dispose();
    expect(memory(ctx).bytes).toBe(1024);
    expect(memory(ctx).tensors).toBe(1);
    v.dispose();
    expect(memory(ctx)).toMatchObject({ tensors: 0, bytes: 0, peakBytes: 1024 });
    expect(memory(ctx).devices.cpu.bytes).toBe(0);
  });

  it('Symbol.dispose lets `using` free a tensor across await', async () => {
    const ctx = createContext();
    {
      using t = tensor([1, 2, 3], { context: ctx });
      await Promise.resolve();
      expect(await t.data()).toEqual(new Float32Array([1, 2, 3]));
    }
    expect(memory(ctx).tensors).toBe(0);
  });

  it('debug mode records where each tensor was created', () => {
    const ctx = createContext();
    ctx.debug = true;
    const t = ones([1], { context: ctx });
    expect(t.creationSite).toContain('memory.test.ts');
    t.dispose();
  });
});

describe('dispose notification (the gradNode slot)', () => {
  it('calls release(tensor) on the slot once, after the storage is released, and not on a double dispose', () => {
    const ctx = createContext();
    const before = memory(ctx);
    const t = zeros([8], { context: ctx });
    const heard: { disposed: boolean; tensors: number; bytes: number }[] = [];
    t.gradNode = {
      release(who: Tensor) {
        expect(who).toBe(t);
        heard.push({ disposed: who.isDisposed, tensors: memory(ctx).tensors, bytes: memory(ctx).bytes });
      },
    };
    t.dispose();
    t.dispose();
    expect(heard).toEqual([{ disposed: true, tensors: before.tensors, bytes: before.bytes }]);
  });

  it('fires for handles disposed by tidy, and ignores slots without a release method', () => {
    const ctx = createContext();
    let calls = 0;
    const slot = { release: () => calls++ };
    tidy(() => {
      const a = ones([2], { context: ctx });
      a.gradNode = slot;
      const b = a.add(1);
      b.gradNode = { kind: 'something else', release: 42 };
      const c = b.mul(2);
      c.gradNode = null;
    }, ctx);
    expect(calls).toBe(1);
    expect(memory(ctx).tensors).toBe(0);
  });

  it('a view shares storage but notifies only for its own handle', () => {
    const ctx = createContext();
    const seen: number[] = [];
    const a = ones([2, 2], { context: ctx });
    const v = a.reshape([4]);
    a.gradNode = { release: (t: Tensor) => seen.push(t.id) };
    v.dispose();
    expect(seen).toEqual([]);
    a.dispose();
    expect(seen).toEqual([a.id]);
  });
});
