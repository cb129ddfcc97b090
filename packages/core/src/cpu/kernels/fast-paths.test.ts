import { describe, expect, it } from 'vitest';
import { createContext } from '../../default-context.js';
import { randn, tensor } from '../../ops/creation.js';
import { gt, where } from '../../ops/elementwise.js';
import { mean, sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor.js';

/**
 * The flat-loop fast paths (a sum or mean over the leading axes of a row-major input; `where` over dense or
 * one-element operands) must give the same bits as the general strided loops, which the same values take
 * when they are read through a transposed view.
 */
const context = createContext({ cpu: { threads: 1 } });

/** The same values as x [m, n], but stored column-major: a non-contiguous view. */
function strided(x: Tensor): Tensor {
  return x.transpose().contiguous().transpose();
}

describe('CPU fast paths', () => {
  it('sum and mean over leading axes equal the lane loop bit for bit', () => {
    const x = randn([37, 21], { context });
    const y = strided(x);
    expect(y.isContiguous).toBe(false);
    expect(Array.from(sum(x, 0).dataSync())).toEqual(Array.from(sum(y, 0).dataSync()));
    expect(Array.from(mean(x, 0).dataSync())).toEqual(Array.from(mean(y, 0).dataSync()));
    const x3 = randn([5, 6, 7], { context });
    const fromLanes = sum(x3.permute([2, 0, 1]).contiguous().permute([1, 2, 0]), [0, 1]);
    expect(Array.from(sum(x3, [0, 1]).dataSync())).toEqual(Array.from(fromLanes.dataSync()));
  });

  it('where with a dense mask and a scalar fill equals the strided loop', () => {
    const x = randn([40, 30], { context });
    const g = randn([40, 30], { context });
    const mask = gt(x, 0);
    const fast = where(mask, g, 0);
    const slow = where(strided(mask), strided(g), 0);
    expect(Array.from(fast.dataSync())).toEqual(Array.from(slow.dataSync()));
    expect(Array.from(where(mask, 1, g).dataSync())).toEqual(
      Array.from(where(strided(mask), 1, strided(g)).dataSync()),
    );
    // The branch-free f32 blend copies −0 and NaN as they are.
    const special = tensor([-0, Number.NaN, 2, -0, 5, Number.NaN], [2, 3], { context });
    const pick = tensor([1, 1, 0, 0, 1, 0], [2, 3], { dtype: 'bool', context });
    expect(Array.from(where(pick, special, -0).dataSync())).toEqual([-0, Number.NaN, -0, -0, 5, -0]);
    expect(Array.from(where(pick, 3, special).dataSync())).toEqual([3, 3, 2, -0, 3, Number.NaN]);
  });
});
