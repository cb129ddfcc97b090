import * as core from '@tessera/core';
import type { InputSpec } from '@tessera/core/testing';
import type { GradCase } from '../types.js';

const idx = (shape: number[], values: number[]): InputSpec => ({ shape, dtype: 'i32', values });

export const INDEXING_CASES: GradCase[] = [
  {
    op: 'slice',
    name: 'slice with step 2 of a transposed input',
    inputs: [{ shape: [3, 5], layout: 'transposed' }],
    run: ([x]) => x.slice(1, 1, undefined, 2).square(),
  },
  { op: 'slice', name: 'split into pieces', inputs: [{ shape: [5, 2] }], run: ([x]) => core.split(x, 2, 0) },
  {
    op: 'sliceScatter',
    name: 'sliceScatter with step 2',
    inputs: [{ shape: [4, 5] }, { shape: [4, 2], layout: 'strided' }],
    run: ([b, s]) => core.sliceScatter(b, s, 1, 1, 5, 2).square(),
  },
  {
    op: 'concat',
    name: 'concat along axis 1',
    inputs: [{ shape: [2, 3] }, { shape: [2, 2], layout: 'transposed' }],
    run: ([a, b]) => core.concat([a, b], 1).sin(),
  },
  {
    op: 'concat',
    name: 'stack',
    inputs: [{ shape: [3] }, { shape: [3] }],
    run: ([a, b]) => core.stack([a, b], 1),
  },
  {
    op: 'gather',
    name: 'gather along axis 1 with repeats',
    inputs: [{ shape: [3, 4] }, idx([3, 2], [0, 0, 3, 1, 2, 2])],
    run: ([x, i]) => core.gather(x, 1, i),
  },
  {
    op: 'gather',
    name: 'takeAlongAxis with broadcasting',
    inputs: [{ shape: [3, 4], layout: 'transposed' }, idx([1, 2], [3, 3])],
    run: ([x, i]) => core.takeAlongAxis(x, i, 1),
  },
  {
    op: 'indexSelect',
    name: 'indexSelect rows with repeats',
    inputs: [{ shape: [4, 3] }, idx([3], [2, 0, 2])],
    run: ([x, i]) => core.indexSelect(x, 0, i),
  },
  {
    op: 'scatterAdd',
    name: 'scatterAdd with an index shorter than src',
    inputs: [{ shape: [3, 4] }, idx([3, 2], [1, 1, 0, 3, 2, 0]), { shape: [3, 3] }],
    run: ([x, i, s]) => core.scatterAdd(x, 1, i, s).square(),
  },
  {
    op: 'pad',
    name: 'constant pad',
    inputs: [{ shape: [2, 3] }],
    run: ([x]) => core.pad(x, [1, 2, 0, 1], { value: 0.5 }).square(),
  },
  {
    op: 'pad',
    name: 'reflect pad',
    inputs: [{ shape: [2, 4] }],
    run: ([x]) => core.pad(x, [2, 1], { mode: 'reflect' }).square(),
  },
  {
    op: 'pad',
    name: 'replicate pad',
    inputs: [{ shape: [2, 3] }],
    run: ([x]) => core.pad(x, [2, 2, 1, 0], { mode: 'replicate' }).square(),
  },
  { op: 'tril', name: 'tril k=1', inputs: [{ shape: [2, 3, 4] }], run: ([x]) => core.tril(x, 1).square() },
  {
    op: 'triu',
    name: 'triu k=-1',
    inputs: [{ shape: [4, 3], layout: 'transposed' }],
    run: ([x]) => core.triu(x, -1),
  },
  {
    op: 'repeat',
    name: 'repeat adding a leading dim',
    inputs: [{ shape: [2, 3] }],
    run: ([x]) => core.repeat(x, [2, 1, 2]).square(),
  },
  {
    op: 'flip',
    name: 'flip two axes',
    inputs: [{ shape: [3, 4], layout: 'strided' }],
    run: ([x]) => core.flip(x, [0, 1]).square(),
  },
];
