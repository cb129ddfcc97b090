import { fail, fmtShape } from './errors.js';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) fail(op, `shape ${fmtShape(shape)} must hold non-negative integers`);
  }
}

/** NumPy broadcasting: align trailing dims; each pair must match or one must be 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        fail(
          op,
          `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (dim ${o}: ${out[o]} vs ${d})`,
        );
      }
    }
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had the broadcast shape `to`. */
export function broadcastStrides(shape: Shape, strides: Shape, to: Shape): number[] {
  const out = new Array<number>(to.length).fill(0);
  const lead = to.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

/** Resolves a possibly negative axis against a rank, or throws naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -Math.max(rank, 1) || axis >= Math.max(rank, 1)) {
    fail(
      op,
      `axis ${axis} is out of range for a tensor of rank ${rank} (expected ${-Math.max(rank, 1)}..${Math.max(rank, 1) - 1})`,
    );
  }
  return axis < 0 ? axis + Math.max(rank, 1) : axis;
}

/** Normalizes an axis list (undefined = all axes), sorted and without repeats. */
export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) fail(op, `axes [${list.join(', ')}] repeat an axis`);
  return out.sort((a, b) => a - b);
}

/** A shape or an axis list as one array (`[4, 2]`) or as separate numbers (`4, 2`), as PyTorch takes them. */
export type ShapeArgs = [readonly number[]] | number[];

/** The list that {@link ShapeArgs} stand for, or an error naming the op and what it got. */
export function shapeFromArgs(op: string, args: readonly unknown[], what = 'a shape'): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as number[])];
  if (args.every((a) => typeof a === 'number')) return [...(args as number[])];
  const got = args.map((a) => (Array.isArray(a) ? `[${a.join(', ')}]` : typeof a)).join(', ');
  return fail(op, `expected ${what} as one array ([4, 2]) or as numbers (4, 2), got (${got})`);
}
