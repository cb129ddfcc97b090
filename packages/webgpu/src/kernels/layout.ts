/**
 * Operand layouts for strided kernels: shapes and strides after broadcasting and merging dims.
 * Merging adjacent dims that every operand walks contiguously keeps ranks (and so the number of
 * generated pipelines and the per-element index arithmetic) small.
 */

export interface Operand {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** Strides of `x` seen through broadcasting to `to` (stride 0 on broadcast dims). */
export function broadcastTo(x: Operand, to: readonly number[]): number[] {
  const lead = to.length - x.shape.length;
  return to.map((n, d) => {
    const k = d - lead;
    if (k < 0) return 0;
    return x.shape[k] === 1 && n !== 1 ? 0 : x.strides[k];
  });
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/**
 * Drops size-1 dims and merges dim d into d+1 where every operand has strides[d] == strides[d+1]·shape[d+1].
 * Returns the merged shape and each operand's merged strides (row-major output strides are implied).
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const keep = shape.map((n, d) => ({ n, s: strides.map((st) => st[d]) })).filter((e) => e.n !== 1);
  const out: { n: number; s: number[] }[] = [];
  for (const e of keep) {
    const prev = out[out.length - 1];
    if (prev?.s.every((ps, k) => ps === e.s[k] * e.n)) {
      prev.n *= e.n;
      prev.s = e.s;
    } else {
      out.push({ n: e.n, s: [...e.s] });
    }
  }
  return { shape: out.map((e) => e.n), strides: strides.map((_, k) => out.map((e) => e.s[k])) };
}

/** Whether an operand with these (merged) strides reads row-major: one dim of stride 1, or none. */
export function isDenseStrides(shape: readonly number[], strides: readonly number[]): boolean {
  const rm = rowMajorStrides(shape);
  return shape.every((n, d) => n === 1 || strides[d] === rm[d]);
}

/** Workgroup counts for `n` invocations at `size` per group, folded into y past the 65,535 limit. */
export function groups1d(n: number, size: number): [number, number, number] {
  const g = Math.max(1, Math.ceil(n / size));
  const x = Math.min(g, 65535);
  return [x, Math.ceil(g / x), 1];
}

/** WGSL for the flat invocation index of a 1-D launch folded by groups1d (needs gid and nwg builtins). */
export function flatIndex(size: number): string {
  return `gid.x + gid.y * nwg.x * ${size}u`;
}
