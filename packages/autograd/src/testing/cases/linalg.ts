import * as core from '@tessera/core';
import type { GradCase } from '../types.js';

export const LINALG_CASES: GradCase[] = [
  {
    op: 'matmul',
    name: 'matmul [2, 3] @ [3, 4]',
    inputs: [{ shape: [2, 3] }, { shape: [3, 4] }],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'matmul',
    name: 'matmul with broadcast batch dims',
    inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2], layout: 'transposed' }],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'matmul',
    name: 'batch @ one shared matrix (the weight gradient folds the batch into rows)',
    inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'matmul',
    name: 'strided batch @ one shared transposed matrix (x·Wᵀ of a Linear)',
    inputs: [
      { shape: [2, 3, 4], layout: 'strided' },
      { shape: [4, 5], layout: 'transposed' },
    ],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'matmul',
    name: 'batch @ a shared matrix with unit batch dims',
    inputs: [{ shape: [2, 2, 3, 4] }, { shape: [1, 1, 4, 2] }],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'matmul',
    name: 'vector @ matrix',
    inputs: [{ shape: [3] }, { shape: [3, 2] }],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'matmul',
    name: 'matrix @ vector',
    inputs: [{ shape: [2, 3], layout: 'strided' }, { shape: [3] }],
    run: ([a, b]) => core.matmul(a, b),
  },
  {
    op: 'conv2d',
    name: 'conv2d with bias and padding',
    inputs: [{ shape: [2, 2, 5, 5] }, { shape: [3, 2, 3, 3] }, { shape: [3] }],
    run: ([x, w, b]) => core.conv2d(x, w, b, { padding: 1 }),
  },
  {
    op: 'conv2d',
    name: 'conv2d with stride, dilation and groups',
    inputs: [{ shape: [1, 4, 6, 6] }, { shape: [4, 2, 2, 2] }],
    run: ([x, w]) => core.conv2d(x, w, undefined, { stride: 2, dilation: 2, groups: 2 }),
  },
  {
    op: 'maxPool2d',
    name: 'maxPool2d 3×3, stride 2, padding 1',
    inputs: [{ shape: [1, 2, 5, 5] }],
    run: ([x]) => core.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
  },
  {
    op: 'avgPool2d',
    name: 'avgPool2d 3×3, stride 2, padding 1, padding not counted',
    inputs: [{ shape: [1, 2, 5, 5] }],
    run: ([x]) => core.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
  },
  {
    op: 'avgPool2d',
    name: 'avgPool2d 2×2',
    inputs: [{ shape: [2, 1, 4, 4], layout: 'transposed' }],
    run: ([x]) => core.avgPool2d(x, { kernelSize: 2 }),
  },
];
