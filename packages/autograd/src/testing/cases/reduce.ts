import * as core from '@tessera/core';
import type { GradCase } from '../types.js';

export const REDUCE_CASES: GradCase[] = [
  {
    op: 'sum',
    name: 'sum over axis 1 of a transposed input',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => core.sum(x, 1).square(),
  },
  { op: 'sum', name: 'sum of everything', inputs: [{ shape: [2, 3] }], run: ([x]) => core.sum(x) },
  {
    op: 'sum',
    name: 'sum keepdim over axes [0, 2]',
    inputs: [{ shape: [2, 3, 2] }],
    run: ([x]) => core.sum(x, [0, 2], true).sin(),
  },
  {
    op: 'mean',
    name: 'mean over axis 0',
    inputs: [{ shape: [4, 3], layout: 'strided' }],
    run: ([x]) => core.mean(x, 0).exp(),
  },
  {
    op: 'prod',
    name: 'prod over axis 1',
    inputs: [{ shape: [3, 4], range: [0.5, 2] }],
    run: ([x]) => core.prod(x, 1),
  },
  {
    op: 'prod',
    name: 'prod with no, one and two zeros in a row',
    inputs: [{ shape: [3, 3], values: [1.5, -2, 0.5, 0, 3, -1.5, 0, 2, 0] }],
    run: ([x]) => core.prod(x, 1),
  },
  { op: 'max', name: 'max over axis 1', inputs: [{ shape: [3, 4] }], run: ([x]) => core.max(x, 1) },
  {
    op: 'max',
    name: 'max of everything, keepdim',
    inputs: [{ shape: [2, 3], layout: 'transposed' }],
    run: ([x]) => core.max(x, undefined, true),
  },
  { op: 'min', name: 'min over axis 0', inputs: [{ shape: [3, 4] }], run: ([x]) => core.min(x, 0) },
  { op: 'var', name: 'variance over axis 1', inputs: [{ shape: [3, 4] }], run: ([x]) => core.variance(x, 1) },
  {
    op: 'var',
    name: 'variance, correction 0, keepdim',
    inputs: [{ shape: [2, 5] }],
    run: ([x]) => core.variance(x, 0, { correction: 0, keepdim: true }),
  },
  {
    op: 'std',
    name: 'std over axes [0, 1]',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => core.std(x, [0, 1]),
  },
  {
    op: 'logsumexp',
    name: 'logsumexp over axis 1',
    inputs: [{ shape: [3, 4] }],
    run: ([x]) => core.logsumexp(x, 1),
  },
  { op: 'norm', name: '2-norm over axis 1', inputs: [{ shape: [3, 4] }], run: ([x]) => core.norm(x, 2, 1) },
  { op: 'norm', name: '1-norm', inputs: [{ shape: [5] }], run: ([x]) => core.norm(x, 1) },
  { op: 'norm', name: '3-norm keepdim', inputs: [{ shape: [2, 3] }], run: ([x]) => core.norm(x, 3, 0, true) },
  {
    op: 'norm',
    name: '∞-norm',
    inputs: [{ shape: [2, 4] }],
    run: ([x]) => core.norm(x, Number.POSITIVE_INFINITY, 1),
  },
  {
    op: 'cumsum',
    name: 'cumsum along axis 1 of a transposed input',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => core.cumsum(x, 1).square(),
  },
  {
    op: 'softmax',
    name: 'softmax over the last axis',
    inputs: [{ shape: [3, 4], layout: 'transposed' }],
    run: ([x]) => core.softmax(x, -1),
  },
  {
    op: 'logSoftmax',
    name: 'logSoftmax over axis 0',
    inputs: [{ shape: [3, 4] }],
    run: ([x]) => core.logSoftmax(x, 0),
  },
];
