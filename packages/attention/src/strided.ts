import type { CpuInput } from '@tessera/core';
import { type FlashAttrs, keyRanges } from './flash-attrs.js';
import { pad8 } from './tile-gemm.js';

/** A rank-4 strided operand as the flash kernels read it: [batch, heads, seq, dim]. */
export interface Strided4 {
  data: ArrayLike<number>;
  offset: number;
  strides: [number, number, number, number];
}

/**
 * Reads a CPU input as rank 4, right-aligning lower ranks and giving broadcast (size-1 or
 * missing) dims stride 0, so a mask of shape [sk] or [b, 1, 1, sk] indexes like [b, h, sq, sk].
 */
export function strided4(x: CpuInput): Strided4 {
  const strides: [number, number, number, number] = [0, 0, 0, 0];
  const lead = 4 - x.shape.length;
  for (let d = 0; d < x.shape.length; d++) strides[lead + d] = x.shape[d] === 1 ? 0 : x.strides[d];
  return { data: x.data, offset: x.offset, strides };
}

type Heap = Float32Array | Float64Array;

/**
 * Copies rows [i0, i0 + rows) of head (b, h), `dim` wide, times `mul`, into dst: element (r, t) goes
 * to dst[at + r·rowStep + t·colStep].
 */
function packTile(
  x: Strided4,
  b: number,
  h: number,
  i0: number,
  rows: number,
  dim: number,
  mul: number,
  dst: Heap,
  at: number,
  rowStep: number,
  colStep: number,
): void {
  const [sb, sh, ss, sd] = x.strides;
  const data = x.data;
  let base = x.offset + b * sb + h * sh + i0 * ss;
  for (let r = 0; r < rows; r++, base += ss) {
    const o = at + r * rowStep;
    for (let t = 0; t < dim; t++) dst[o + t * colStep] = data[base + t * sd] * mul;
  }
}

/** The rows as a row-major tile with row stride `ld`: dst[at + r·ld + t] = x[i0 + r, t]·mul. */
export function packRows(
  x: Strided4,
  b: number,
  h: number,
  i0: number,
  rows: number,
  dim: number,
  mul: number,
  dst: Heap,
  at: number,
  ld: number,
): void {
  packTile(x, b, h, i0, rows, dim, mul, dst, at, ld, 1);
}

/** The same rows transposed: dst[at + t·ld + r] = x[i0 + r, t]·mul (a Kᵀ or Vᵀ tile). */
export function packCols(
  x: Strided4,
  b: number,
  h: number,
  i0: number,
  rows: number,
  dim: number,
  mul: number,
  dst: Heap,
  at: number,
  ld: number,
): void {
  packTile(x, b, h, i0, rows, dim, mul, dst, at, 1, ld);
}

/** Offset of mask row (b, h, i); add j·strides[3] for key j. */
export function maskRow(mask: Strided4, b: number, h: number, i: number): number {
  return mask.offset + b * mask.strides[0] + h * mask.strides[1] + i * mask.strides[2];
}

/**
 * What every CPU flash kernel first reads off its q, k, v inputs: the sizes, the operands as
 * rank-4 strided views, each query row's visible key range, the tile sizes clamped to the
 * sequences, and the padded widths and block counts the tiles are laid out by.
 */
export function flashProblem([qIn, kIn, vIn]: CpuInput[], attrs: FlashAttrs) {
  const [batch, heads, sq, dim] = qIn.shape;
  const [, kvHeads, sk] = kIn.shape;
  const dv = vIn.shape[3];
  const bq = Math.max(1, Math.min(attrs.blockQ, sq));
  const bk = Math.max(1, Math.min(attrs.blockK, sk));
  return {
    batch,
    heads,
    kvHeads,
    sq,
    sk,
    dim,
    dv,
    q: strided4(qIn),
    k: strided4(kIn),
    v: strided4(vIn),
    ...keyRanges(sq, sk, attrs),
    bq,
    bk,
    // Tile widths padded to the products' 8-column blocks, and the block counts.
    dimP: pad8(dim),
    dvP: pad8(dv),
    bkP: pad8(bk),
    keyBlocks: Math.ceil(sk / bk),
    qBlocks: Math.ceil(sq / bq),
  };
}

/**
 * The query heads of each kv head (head h reads kv head ⌊h·hk/h⌋, as every path maps them), the
 * largest group, and one job per (batch, kv head) with heads: the threaded kernels' units.
 */
export function kvJobs(batch: number, heads: number, kvHeads: number) {
  const groups: number[][] = Array.from({ length: kvHeads }, () => []);
  for (let h = 0; h < heads; h++) groups[Math.floor((h * kvHeads) / heads)].push(h);
  const jobs: { b: number; g: number }[] = [];
  for (let b = 0; b < batch; b++) for (let g = 0; g < kvHeads; g++) if (groups[g].length) jobs.push({ b, g });
  return { groups, gh: Math.max(...groups.map((g) => g.length)), jobs };
}
