import type { CpuInput, CpuOutput } from './types.js';

/**
 * Data movement where every output coordinate along each dim reads one input coordinate
 * along the same dim (pad, repeat, flip): maps[d][o] is that input coordinate, or -1 where
 * the output holds a fill value instead.
 */
export type AxisMaps = readonly Int32Array[];

/** Walks the rows of `shape`, giving each row's mapped base offset (-1 where it is all fill). */
function forEachMappedRow(
  shape: readonly number[],
  maps: AxisMaps,
  strides: readonly number[],
  offset: number,
  row: (base: number, rowIndex: number[], outBase: number) => void,
): void {
  const rank = shape.length;
  const inner = shape[rank - 1];
  const total = shape.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  const idx = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < total; o += inner) {
    let base = offset;
    for (let d = 0; d < rank - 1 && base >= 0; d++) {
      const m = maps[d][idx[d]];
      base = m < 0 ? -1 : base + m * strides[d];
    }
    row(base, idx, o);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** out[o] = x[maps(o)], or fill where any dim maps to -1. */
export function gatherByMaps(x: CpuInput, out: CpuOutput, maps: AxisMaps, fill: number): void {
  const src = x.data;
  const dst = out.data;
  const rank = out.shape.length;
  if (rank === 0) {
    dst[0] = src[x.offset];
    return;
  }
  const last = maps[rank - 1];
  const ls = x.strides[rank - 1];
  forEachMappedRow(out.shape, maps, x.strides, x.offset, (base, _, o) => {
    for (let j = 0; j < last.length; j++) {
      const m = last[j];
      dst[o + j] = base < 0 || m < 0 ? fill : src[base + m * ls];
    }
  });
}

/**
 * The adjoint of gatherByMaps: out (input-shaped, zeroed) accumulates every element of the
 * strided g at the input coordinate it was gathered from; filled positions are dropped.
 */
export function scatterAddByMaps(
  g: CpuInput,
  out: CpuOutput,
  outStrides: readonly number[],
  maps: AxisMaps,
): void {
  const src = g.data;
  const dst = out.data;
  const rank = g.shape.length;
  if (rank === 0) {
    dst[0] += src[g.offset];
    return;
  }
  const last = maps[rank - 1];
  const ls = outStrides[rank - 1];
  const gs = g.strides;
  forEachMappedRow(g.shape, maps, outStrides, 0, (base, idx) => {
    if (base < 0) return;
    let at = g.offset;
    for (let d = 0; d < rank - 1; d++) at += idx[d] * gs[d];
    for (let j = 0; j < last.length; j++, at += gs[rank - 1]) {
      const m = last[j];
      if (m >= 0) dst[base + m * ls] += src[at];
    }
  });
}
