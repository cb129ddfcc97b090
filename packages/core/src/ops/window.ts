import { fail, fmtShape } from '../errors.js';

/** Sliding-window geometry shared by conv2d and the pools: [h, w] pairs and output sizes. */
export type Pair = [number, number];

/** A scalar or an [h, w] pair, checked to be integers of at least `min`. */
export function toPair(op: string, name: string, v: number | readonly number[], min: number): Pair {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    fail(
      op,
      `${name} must be an integer >= ${min} or a pair of them, got ${Array.isArray(v) ? fmtShape(v) : v}`,
    );
  }
  return p as Pair;
}

/** ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, PyTorch's output size. */
export function windowOutSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function checkPairAttr(op: string, name: string, v: unknown, min: number): void {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= min)) {
    fail(op, `attrs.${name} must be a pair of integers >= ${min}, got ${JSON.stringify(v)}`);
  }
}
