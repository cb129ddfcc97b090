import type { DType } from '../../dtype.js';
import { matmul } from '../../ops/linalg.js';
import { refMatmul } from '../reference/linalg.js';
import type { CaseGroup, ErrorCase, InputSpec, OpCase } from '../types.js';

const NUMERIC: DType[] = ['f32', 'f64', 'i32', 'f16', 'bf16'];

function mm(name: string, a: InputSpec, b: InputSpec, dtypes?: DType[], tol?: number): OpCase {
  return {
    op: 'matmul',
    name,
    inputs: [a, b],
    dtypes,
    tol,
    run: ([x, y]) => matmul(x, y),
    ref: ([x, y]) => refMatmul(x, y),
  };
}

const cases: OpCase[] = [
  mm('[7, 13] @ [13, 5]', { shape: [7, 13] }, { shape: [13, 5] }, NUMERIC),
  mm('[33, 65] @ [65, 17] (not a multiple of any tile)', { shape: [33, 65] }, { shape: [65, 17] }),
  mm('[70, 70] @ [70, 70] (more than one k block)', { shape: [70, 70] }, { shape: [70, 70] }, ['f32']),
  mm('[3, 300] @ [300, 260] (crosses the k and n panels)', { shape: [3, 300] }, { shape: [300, 260] }, [
    'f32',
    'f64',
  ]),
  mm(
    'transposed @ transposed',
    { shape: [9, 6], layout: 'transposed' },
    { shape: [6, 11], layout: 'transposed' },
  ),
  mm('strided @ offset', { shape: [5, 7], layout: 'strided' }, { shape: [7, 4], layout: 'offset' }, [
    'f32',
    'i32',
  ]),
  mm('batch broadcast [2, 1, 4, 3] @ [3, 3, 5]', { shape: [2, 1, 4, 3] }, { shape: [3, 3, 5] }, [
    'f32',
    'f64',
    'i32',
  ]),
  mm('batched transposed [3, 5, 4] @ [4, 6]', { shape: [3, 5, 4], layout: 'transposed' }, { shape: [4, 6] }),
  mm('batches stacked as rows [4, 5, 6] @ [6, 9]', { shape: [4, 5, 6] }, { shape: [6, 9] }, ['f32', 'f64']),
  mm(
    'strided batches [3, 5, 4] @ offset [4, 6]',
    { shape: [3, 5, 4], layout: 'strided' },
    {
      shape: [4, 6],
      layout: 'offset',
    },
  ),
  mm('vector @ matrix', { shape: [6] }, { shape: [6, 4] }),
  mm('matrix @ vector', { shape: [4, 6] }, { shape: [6] }),
  mm('vector @ vector', { shape: [13] }, { shape: [13] }, ['f32', 'f64', 'i32']),
  mm('vector @ batched [2, 5, 3]', { shape: [5] }, { shape: [2, 5, 3] }),
  mm('k = 0 gives zeros', { shape: [3, 0] }, { shape: [0, 4] }),
  mm('m = 0', { shape: [0, 5] }, { shape: [5, 4] }),
  mm('size-1 dims [1, 1] @ [1, 7]', { shape: [1, 1] }, { shape: [1, 7] }),
];

const errors: ErrorCase[] = [
  {
    op: 'matmul',
    name: 'inner dimensions that differ',
    run: (h) => matmul(h.t([2, 3]), h.t([4, 5])),
    mentions: ['[2, 3]', '[4, 5]', '3 vs 4'],
  },
  {
    op: 'matmul',
    name: 'batch dims that do not broadcast',
    run: (h) => matmul(h.t([2, 3, 4]), h.t([3, 4, 5])),
    mentions: ['[2]', '[3]'],
  },
  {
    op: 'matmul',
    name: 'bool operands',
    run: (h) => matmul(h.t([2, 2], 'bool'), h.t([2, 2], 'bool')),
    mentions: ['bool', '[2, 2]'],
  },
  {
    op: 'matmul',
    name: 'mixed dtypes',
    run: (h) => matmul(h.t([2, 2]), h.t([2, 2], 'f64')),
    mentions: ['f32', 'f64', '[2, 2]'],
  },
  { op: 'matmul', name: 'a 0-d operand', run: (h) => matmul(h.t([]), h.t([2])), mentions: ['[]', '[2]'] },
];

export const linalgGroup: CaseGroup = { cases, errors };
