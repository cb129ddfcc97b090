import { broadcastStrides, contiguousStrides, isContiguous, numel } from '../shape.js';
import type { CpuInput } from './types.js';

/**
 * Walks `shape` in row-major order over several strided operands and calls `row` once per
 * innermost row with each operand's starting offset and inner stride. Rows keep the per-element
 * loop free of index arithmetic.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  row: (bases: number[], innerStrides: number[], length: number, outBase: number) => void,
): void {
  const rank = shape.length;
  const k = strides.length;
  if (numel(shape) === 0) return;
  if (rank === 0) {
    row([...offsets], new Array(k).fill(0), 1, 0);
    return;
  }
  const inner = shape[rank - 1];
  const innerStrides = strides.map((s) => s[rank - 1]);
  const outer = numel(shape) / inner;
  const idx = new Array<number>(rank - 1).fill(0);
  const bases = [...offsets];
  for (let r = 0; r < outer; r++) {
    row(bases, innerStrides, inner, r * inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let j = 0; j < k; j++) bases[j] += strides[j][d];
      if (idx[d] < shape[d]) break;
      for (let j = 0; j < k; j++) bases[j] -= strides[j][d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Whether an input is read in row-major order from its offset with the output's shape. */
export function isDense(x: CpuInput, shape: readonly number[]): boolean {
  return (
    x.shape.length === shape.length &&
    x.shape.every((d, i) => d === shape[i]) &&
    isContiguous(x.shape, x.strides)
  );
}

/** An input's strides as seen through broadcasting to `shape`. */
export function stridesFor(x: CpuInput, shape: readonly number[]): number[] {
  return broadcastStrides(x.shape, x.strides, shape);
}

export { contiguousStrides };
