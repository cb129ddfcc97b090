import { checkGrad } from '@tessera/autograd';
import { createContext, randn } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { upsampleNearest2d } from './upsample.js';

const context = createContext();

describe('upsampleNearest2d', () => {
  it('copies each pixel into a factor × factor block (naive loop)', () => {
    const x = randn([2, 3, 2, 3], { context });
    const xv = Array.from(x.dataSync() as Float32Array);
    const y = upsampleNearest2d(x, 3);
    expect(y.shape).toEqual([2, 3, 6, 9]);
    const expected: number[] = [];
    for (let bc = 0; bc < 6; bc++)
      for (let r = 0; r < 6; r++)
        for (let c = 0; c < 9; c++) expected.push(xv[bc * 6 + Math.floor(r / 3) * 3 + Math.floor(c / 3)]);
    expect(Array.from(y.dataSync() as Float32Array)).toEqual(expected);
  });

  it('sums each block back into its pixel (checkGrad, f64)', async () => {
    const x = randn([1, 2, 2, 2], { context, dtype: 'f64' });
    const report = await checkGrad((t) => upsampleNearest2d(t, 2).square().sum(), [x]);
    expect(report.ok).toBe(true);
  });

  it('rejects a non-4-D input and a bad factor', () => {
    expect(() => upsampleNearest2d(randn([2, 3], { context }), 2)).toThrow(
      'x must be [batch, channels, height, width], got [2, 3]',
    );
    expect(() => upsampleNearest2d(randn([1, 1, 2, 2], { context }), 1.5)).toThrow(
      'factor must be a positive integer, got 1.5',
    );
  });
});
