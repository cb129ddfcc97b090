import { describe, expect, it } from 'vitest';
import { forEachRow } from './strided.js';

/** Every element's offset in each operand, in row-major order of `shape`, by the definition. */
function offsetsByIndex(shape: number[], strides: number[][], offsets: number[]): number[][] {
  const n = shape.reduce((a, b) => a * b, 1);
  return strides.map((st, j) =>
    Array.from({ length: n }, (_, flat) => {
      let off = offsets[j];
      for (let d = shape.length - 1, r = flat; d >= 0; d--) {
        off += (r % shape[d]) * st[d];
        r = Math.floor(r / shape[d]);
      }
      return off;
    }),
  );
}

function walk(shape: number[], strides: number[][], offsets: number[], coalesce: boolean) {
  const got: number[][] = strides.map(() => []);
  const outs: number[] = [];
  let rows = 0;
  forEachRow(
    shape,
    strides,
    offsets,
    (b, s, n, o) => {
      rows++;
      for (let j = 0; j < n; j++) {
        outs.push(o + j);
        b.forEach((base, k) => {
          got[k].push(base + j * s[k]);
        });
      }
    },
    coalesce,
  );
  return { got, outs, rows };
}

describe('forEachRow', () => {
  const cases: [string, number[], number[][], number[]][] = [
    [
      'contiguous and a transposed view',
      [4, 3, 5],
      [
        [15, 5, 1],
        [1, 20, 4],
      ],
      [0, 2],
    ],
    [
      'broadcast axes (stride 0) and a size-1 axis',
      [3, 1, 4, 6],
      [
        [0, 0, 6, 1],
        [24, 24, 6, 0],
      ],
      [1, 0],
    ],
    [
      'a slice: last two axes adjacent, the first not',
      [2, 4, 8, 12],
      [
        [1152, 12, 96, 1],
        [384, 96, 12, 1],
      ],
      [6, 0],
    ],
    [
      'negative strides (a flip)',
      [3, 4],
      [
        [-4, -1],
        [4, 1],
      ],
      [11, 0],
    ],
    [
      'every axis of size 1',
      [1, 1],
      [
        [7, 3],
        [0, 0],
      ],
      [5, 2],
    ],
  ];
  for (const [name, shape, strides, offsets] of cases) {
    it(`visits every element in row-major order, coalesced or not: ${name}`, () => {
      const want = offsetsByIndex(shape, strides, offsets);
      const n = want[0].length;
      for (const coalesce of [false, true]) {
        const { got, outs } = walk(shape, strides, offsets, coalesce);
        expect(got).toEqual(want);
        expect(outs).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    });
  }
  it('coalescing merges axes the operands step over as one (fewer, longer rows)', () => {
    // The first operand is 4 of 6 slices along axis 1 of a [2, 6, 8, 12] tensor: axes 1–3 merge into
    // rows of 384 for both operands, axis 0 (576 apart, not 384) stays: 2 rows instead of 64.
    const strides = [
      [576, 96, 12, 1],
      [384, 96, 12, 1],
    ];
    expect(walk([2, 4, 8, 12], strides, [0, 0], true).rows).toBe(2);
    expect(walk([2, 4, 8, 12], strides, [0, 0], false).rows).toBe(64);
  });
});
