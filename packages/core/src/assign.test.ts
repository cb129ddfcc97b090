import { describe, expect, it } from 'vitest';
import { arange, createContext, memory, tensor, zeros } from './index.js';

describe('Tensor.assign', () => {
  it('rebinds the handle to the source values, keeping both valid and freeing the old storage', () => {
    const context = createContext();
    const p = zeros([2, 2], { context });
    const before = memory(context);
    const next = tensor([1, 2, 3, 4], [2, 2], { context });
    expect(p.assign(next)).toBe(p);
    expect(Array.from(p.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(next.dataSync())).toEqual([1, 2, 3, 4]);
    next.dispose();
    expect(Array.from(p.dataSync())).toEqual([1, 2, 3, 4]);
    // One tensor and one 16-byte storage, as before the assign.
    expect(memory(context).tensors).toBe(before.tensors);
    expect(memory(context).bytes).toBe(before.bytes);
  });

  it('copies a strided source into a compact storage', () => {
    const context = createContext();
    const p = zeros([3, 2], { context });
    const t = arange(0, 6, 1, { context }).reshape([2, 3]);
    p.assign(t.transpose());
    expect(p.arraySync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('rejects a different shape or dtype before touching anything', () => {
    const context = createContext();
    const p = zeros([2, 2], { context });
    expect(() => p.assign(zeros([4], { context }))).toThrow(
      /assign: expected a f32 tensor of shape \[2, 2\]/,
    );
    expect(() => p.assign(zeros([2, 2], { context, dtype: 'f64' }))).toThrow(/got f64 \[2, 2\]/);
    expect(Array.from(p.dataSync())).toEqual([0, 0, 0, 0]);
  });
});
