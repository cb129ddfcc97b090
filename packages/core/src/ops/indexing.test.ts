import { describe, expect, it } from 'vitest';
import { createContext } from '../default-context.js';
import { tensor } from './creation.js';
import { oneHot, takeAlongAxis } from './indexing.js';
import { chunk, concat, split, stack } from './joining.js';
import { pad } from './pad.js';
import { repeat, tile } from './rearrange.js';

/** Memory and API behaviour the conformance cases do not see: temporaries, methods, piece counts. */
describe('indexing, joining and shape ops', () => {
  const setup = () => {
    const ctx = createContext();
    const t = (values: number[], shape: number[], dtype: 'f32' | 'i32' = 'f32') =>
      tensor(values, shape, { dtype, context: ctx });
    return { ctx, t };
  };

  it('leaves no temporaries behind, on success and on error', () => {
    const { ctx, t } = setup();
    const x = t([1, 2, 3, 4, 5, 6], [2, 3]);
    const i = t([2, 0], [1, 2], 'i32');
    const bad = t([5, 0], [1, 2], 'i32');
    const before = ctx.memory().tensors;
    const outs = [stack([x, x], 1), takeAlongAxis(x, i, 1), repeat(x, [2, 1, 1]), tile(x, [2])];
    expect(ctx.memory().tensors).toBe(before + outs.length);
    for (const o of outs) o.dispose();
    expect(() => takeAlongAxis(x, bad, 1)).toThrow(/index 5/);
    expect(() => stack([x, bad])).toThrow(/stack/);
    expect(() => concat([x, bad])).toThrow(/concat/);
    expect(ctx.memory().tensors).toBe(before);
  });

  it('splits and chunks into PyTorch’s piece counts', () => {
    const { t } = setup();
    const x = t([0, 1, 2, 3, 4, 5], [6]);
    expect(split(x, 4).map((p) => p.shape[0])).toEqual([4, 2]);
    expect(chunk(x, 4).map((p) => p.shape[0])).toEqual([2, 2, 2]);
    expect(chunk(x, 6).map((p) => p.shape[0])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(x.chunk(5).map((p) => p.dataSync()[0])).toEqual([0, 2, 4]);
  });

  it('Tensor methods match the free functions', () => {
    const { t } = setup();
    const x = t([1, 2, 3, 4], [2, 2]);
    expect(x.flip(0).arraySync()).toEqual([
      [3, 4],
      [1, 2],
    ]);
    expect(x.tril().arraySync()).toEqual([
      [1, 0],
      [3, 4],
    ]);
    expect(x.triu(1).arraySync()).toEqual([
      [0, 2],
      [0, 0],
    ]);
    expect(x.pad([1, 0], { value: 9 }).arraySync()).toEqual([
      [9, 1, 2],
      [9, 3, 4],
    ]);
    expect(pad(t([1, 2, 3], [3]), [2, 2], { mode: 'reflect' }).arraySync()).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(x.gather(1, t([1, 1, 0, 1], [2, 2], 'i32')).arraySync()).toEqual([
      [2, 2],
      [3, 4],
    ]);
    expect(x.indexSelect(0, t([1], [1], 'i32')).arraySync()).toEqual([[3, 4]]);
    expect(x.scatterAdd(0, t([0, 0], [1, 2], 'i32'), t([10, 20], [1, 2])).arraySync()).toEqual([
      [11, 22],
      [3, 4],
    ]);
    expect(x.sliceScatter(t([7, 8], [2, 1]), 1, 1).arraySync()).toEqual([
      [1, 7],
      [3, 8],
    ]);
    expect(oneHot(t([1, 0], [2], 'i32'), 3, { dtype: 'i32' }).dtype).toBe('i32');
  });
});
