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
  coalesce = false,
): void {
  if (coalesce && shape.length > 1) [shape, strides] = coalesced(shape, strides);
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

/**
 * The same walk over fewer, longer axes: size-1 axes dropped, and each axis merged into the one
 * after it wherever every operand steps over the pair as over one axis (stride[d] =
 * stride[d + 1]·shape[d + 1]). Rows get longer (4 of 6 slices along axis 1 of a [2, 6, 8, 12]
 * tensor walk 2 rows of 384, not 64 of 12), so per-row overhead shrinks; the row-major
 * order, and so each row's output base, is unchanged. For callers whose rows are only a way to
 * walk every element (elementwise kernels, copies), not a lane of one axis.
 */
function coalesced(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): [number[], number[][]] {
  const dims = shape.map((_, d) => d).filter((d) => shape[d] !== 1);
  if (dims.length === 0) return [[1], strides.map(() => [0])];
  const outShape = [shape[dims[0]]];
  const outStrides = strides.map((s) => [s[dims[0]]]);
  for (let i = 1; i < dims.length; i++) {
    const d = dims[i];
    const last = outShape.length - 1;
    if (strides.every((s, j) => outStrides[j][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, j) => {
        outStrides[j][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, j) => {
        outStrides[j].push(s[d]);
      });
    }
  }
  return [outShape, outStrides];
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
