import { cast } from '../../ops/copy.js';
import { tensor } from '../../ops/creation.js';
import * as ops from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { sum } from '../../ops/reduce.js';
import { mapRef, type Ref, zipRefs } from '../reference/base.js';
import type { CaseGroup, ErrorCase, OpCase } from '../types.js';

/**
 * Integer and bool semantics, PyTorch's int32 where it has one: arithmetic wraps in two's
 * complement, sums are exact, bool arithmetic is logical. The reference computes in BigInt and
 * wraps with BigInt.asIntN, apart from the kernels' Math.imul and WGSL's i32.
 */
const M = 2 ** 31 - 1;
const MIN = -(2 ** 31);
const wrap = (x: bigint): number => Number(BigInt.asIntN(32, x));
const big = (f: (a: bigint, b: bigint) => bigint) => (a: number, b: number) => wrap(f(BigInt(a), BigInt(b)));

const A = [M, 65536, 46341, -46341, 7, MIN, M, MIN];
const B = [M, 65536, 46341, 46341, -3, -1, 1, -1];

function i32Binary(
  op: string,
  run: (a: never, b: never) => unknown,
  f: (a: bigint, b: bigint) => bigint,
): OpCase {
  return {
    op,
    name: "i32 wraps in two's complement",
    inputs: [
      { shape: [8], values: A },
      { shape: [8], values: B },
    ],
    dtypes: ['i32'],
    run: ([a, b]) => (run as (a: unknown, b: unknown) => never)(a, b),
    ref: ([a, b]) => zipRefs([a, b], big(f)),
  };
}

const BOOL_A = [1, 1, 0, 0];
const BOOL_B = [1, 0, 1, 0];

function boolBinary(
  op: string,
  run: (a: never, b: never) => unknown,
  f: (a: number, b: number) => number,
): OpCase {
  return {
    op,
    name: 'two bools give bool, as in PyTorch',
    inputs: [
      { shape: [4], values: BOOL_A },
      { shape: [4], values: BOOL_B },
    ],
    dtypes: ['bool'],
    run: ([a, b]) => {
      const out = (run as (a: unknown, b: unknown) => never)(a, b) as { dtype: string };
      if (out.dtype !== 'bool') throw new Error(`${op} of two bools gave ${out.dtype}, expected bool`);
      return out as never;
    },
    ref: ([a, b]) => zipRefs([a, b], f),
  };
}

const cases: OpCase[] = [
  i32Binary('add', ops.add, (a, b) => a + b),
  i32Binary('sub', ops.sub, (a, b) => a - b),
  i32Binary('mul', ops.mul, (a, b) => a * b),
  {
    op: 'square',
    name: "i32 wraps in two's complement",
    inputs: [{ shape: [4], values: [46341, -46341, 65536, M] }],
    dtypes: ['i32'],
    run: ([x]) => ops.square(x),
    ref: ([x]) => mapRef(x, (v) => wrap(BigInt(v) * BigInt(v))),
  },
  {
    op: 'pow',
    name: 'i32 non-negative powers wrap',
    inputs: [
      { shape: [7], values: [3, 2, 2, -2, 7, 0, -1] },
      { shape: [7], values: [20, 31, 32, 3, 0, 0, 7] },
    ],
    dtypes: ['i32'],
    run: ([a, b]) => ops.pow(a, b),
    ref: ([a, b]) =>
      zipRefs(
        [a, b],
        big((x, y) => x ** y),
      ),
  },
  {
    op: 'sum',
    name: 'i32 is exact when partial sums leave i32',
    inputs: [{ shape: [2, 4], values: [M, 1, -1, 0, M, M, -M, MIN + 1] }],
    dtypes: ['i32'],
    run: ([x]) => sum(x, 1),
    // Written by hand: M + 1 − 1 + 0 = M; M + M − M + (MIN + 1) = M + MIN + 1 = 0.
    ref: (): Ref => ({ shape: [2], data: Float64Array.from([M, 0]) }),
  },
  {
    op: 'matmul',
    name: "i32 products and sums wrap in two's complement",
    inputs: [
      { shape: [2, 3], values: [M, 65536, 46341, -7, MIN, 3] },
      { shape: [3, 2], values: [M, 2, 65536, -5, 46341, 11] },
    ],
    dtypes: ['i32'],
    run: ([a, b]) => matmul(a, b),
    // Each entry Σ_p a[i,p]·b[p,j] in BigInt, wrapped once (wrapping each step gives the same).
    ref: ([a, b]): Ref => {
      const out: number[] = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          let acc = 0n;
          for (let p = 0; p < 3; p++) acc += BigInt(a.data[i * 3 + p]) * BigInt(b.data[p * 2 + j]);
          out.push(wrap(acc));
        }
      return { shape: [2, 2], data: Float64Array.from(out) };
    },
  },
  boolBinary('add', ops.add, (a, b) => (a || b ? 1 : 0)),
  boolBinary('maximum', ops.maximum, (a, b) => (a || b ? 1 : 0)),
  boolBinary('mul', ops.mul, (a, b) => (a && b ? 1 : 0)),
  boolBinary('minimum', ops.minimum, (a, b) => (a && b ? 1 : 0)),
  {
    op: 'cast',
    name: 'f32 to i32: NaN and ±Inf give 0, large values wrap mod 2^32 (documented)',
    inputs: [
      {
        shape: [6],
        values: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e9, -2.7, 2.7],
      },
    ],
    dtypes: ['f32'],
    run: ([x]) => cast(x, 'i32'),
    // 3e9 − 2^32 = −1294967296; the others truncate toward zero.
    ref: (): Ref => ({ shape: [6], data: Float64Array.from([0, 0, 0, -1294967296, -2, 2]) }),
  },
];

const errors: ErrorCase[] = [
  {
    op: 'pow',
    name: 'an i32 base with a negative integer exponent',
    run: (h) => ops.pow(h.t([2], 'i32'), -1),
    mentions: ['Integers to negative integer powers are not allowed'],
  },
  {
    op: 'sub',
    name: 'two bool tensors',
    run: (h) => ops.sub(h.t([2], 'bool', [1, 0]), h.t([2], 'bool', [1, 1])),
    mentions: ['bool', 'logicalNot'],
  },
  {
    op: 'add',
    name: 'an i32 scalar operand outside i32',
    run: (h) => ops.add(h.t([2], 'i32'), 2 ** 40),
    mentions: ['1099511627776', 'i32'],
  },
  {
    op: 'tensor',
    name: 'an i32 value outside i32 (not wrapped)',
    run: (h) => tensor([3e9], { dtype: 'i32', device: h.device, context: h.ctx }),
    mentions: ['3000000000', 'i32'],
  },
  {
    op: 'tensor',
    name: 'NaN for an i32 tensor (not zeroed)',
    run: (h) => tensor([Number.NaN], { dtype: 'i32', device: h.device, context: h.ctx }),
    mentions: ['NaN'],
  },
];

export const integerGroup: CaseGroup = { cases, errors };
