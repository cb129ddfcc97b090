import * as core from '@tessera/core';
import type { GradCase } from '../types.js';

export const VIEW_CASES: GradCase[] = [
  {
    op: 'reshape',
    name: 'reshape a transposed input (copies first)',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => core.reshape(x, [2, 6]).mul(core.reshape(x, [2, 6])),
  },
  { op: 'reshape', name: 'flatten', inputs: [{ shape: [2, 3, 2] }], run: ([x]) => core.flatten(x).exp() },
  {
    op: 'permute',
    name: 'permute [2, 3, 4] by [2, 0, 1]',
    inputs: [{ shape: [2, 3, 4] }],
    run: ([x]) => core.permute(x, [2, 0, 1]).sin(),
  },
  {
    op: 'permute',
    name: 'transpose with negative axes',
    inputs: [{ shape: [3, 2] }],
    run: ([x]) => x.transpose(-1, -2),
  },
  {
    op: 'expand',
    name: 'expand [3, 1] to [2, 3, 4]',
    inputs: [{ shape: [3, 1] }],
    run: ([x]) => core.expand(x, [2, 3, 4]),
  },
  {
    op: 'expand',
    name: 'expand a strided input',
    inputs: [{ shape: [1, 3], layout: 'strided' }],
    run: ([x]) => core.expand(x, [4, 3]).square(),
  },
  {
    op: 'copy',
    name: 'clone',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => core.clone(x).square(),
  },
  {
    op: 'cast',
    name: 'cast f64 → f32 → f64',
    inputs: [{ shape: [5] }],
    run: ([x]) => core.cast(core.cast(x, 'f32'), 'f64').square(),
    eps: 1e-2,
    tol: 1e-3,
  },
];
