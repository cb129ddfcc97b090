import { type CustomOpDef, defineCustomOp, rule } from '@tessera/autograd';
import { type CpuInput, type CpuKernel, dispatch, type Tensor, TesseraError } from '@tessera/core';
import { combineWebGPU, permuteWebGPU, slotDotsWebGPU } from './webgpu/dispatch-wgsl.js';

/*
 * Moving token rows to their experts' segments and back. A routing is dest, i32 [N, k]: slot
 * (t, j) — token t's j-th chosen expert — goes to row dest[t, j] of the expert-sorted buffer
 * [R, d], or nowhere when dest is −1 (dropped by capacity). Distinct slots have distinct rows.
 * With per-slot weights w [N, k]:
 *
 *   moe.permute   x [N, d] → p [R, d]:   p[dest[t, j]] = w[t, j]·x[t]   (other rows 0)
 *   moe.combine   y [R, d] → o [N, d]:   o[t] = Σⱼ w[t, j]·y[dest[t, j]]
 *   moe.slotDots  a [N, d], b [R, d] → s [N, k]:  s[t, j] = a[t]·b[dest[t, j]]
 *
 * permute and combine are each other's transpose, and slotDots is the weight gradient of both:
 *   permute: dx = combine(dp, dest, w),  dw = slotDots(x, dp)
 *   combine: dy = permute(do, dest, w),  dw = slotDots(do, y)
 *   slotDots: da = combine(b, dest, ds), db = permute(a, dest, ds)
 * so every rule is written in these three ops and can be differentiated again.
 */

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

export interface PermuteAttrs {
  /** Rows of the expert-sorted buffer. */
  rows: number;
}

/** Element (i, j) of a strided 2-D input. */
const at2 = (t: CpuInput, i: number, j: number): number => t.offset + i * t.strides[0] + j * t.strides[1];

/** Checks dest's rows against the buffer before any kernel writes (a kernel-side guard). */
function destRows(op: string, dest: CpuInput, rows: number): Int32Array {
  const [n, k] = dest.shape;
  const out = new Int32Array(n * k);
  const seen = new Uint8Array(rows);
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < k; j++) {
      const r = dest.data[at2(dest, t, j)];
      if (r === -1) {
        out[t * k + j] = -1;
        continue;
      }
      if (!(r >= 0 && r < rows) || seen[r]) {
        throw new TesseraError(
          op,
          `dest[${t}, ${j}] = ${r} must be −1 or a row of the ${rows}-row buffer not used by another slot`,
        );
      }
      seen[r] = 1;
      out[t * k + j] = r;
    }
  }
  return out;
}

const permuteCpu: CpuKernel<PermuteAttrs> = ([x, destIn, w], [p], { rows }) => {
  const [n, d] = x.shape;
  const k = destIn.shape[1];
  const dest = destRows('moe.permute', destIn, rows);
  const out = p.data;
  out.fill(0);
  const xs = x.strides[1];
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < k; j++) {
      const r = dest[t * k + j];
      if (r < 0) continue;
      const wv = w.data[at2(w, t, j)];
      const src = at2(x, t, 0);
      const dst = r * d;
      for (let c = 0; c < d; c++) out[dst + c] = wv * x.data[src + c * xs];
    }
  }
};

const combineCpu: CpuKernel = ([y, destIn, w], [o]) => {
  const [rows, d] = y.shape;
  const [n, k] = destIn.shape;
  const dest = destRows('moe.combine', destIn, rows);
  const acc = new Float64Array(d);
  const ys = y.strides[1];
  for (let t = 0; t < n; t++) {
    acc.fill(0);
    for (let j = 0; j < k; j++) {
      const r = dest[t * k + j];
      if (r < 0) continue;
      const wv = w.data[at2(w, t, j)];
      const src = at2(y, r, 0);
      for (let c = 0; c < d; c++) acc[c] += wv * y.data[src + c * ys];
    }
    o.data.set(acc, t * d);
  }
};

const slotDotsCpu: CpuKernel = ([a, b, destIn], [s]) => {
  const [n, d] = a.shape;
  const k = destIn.shape[1];
  const dest = destRows('moe.slotDots', destIn, b.shape[0]);
  const as = a.strides[1];
  const bs = b.strides[1];
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < k; j++) {
      const r = dest[t * k + j];
      let sum = 0;
      if (r >= 0) {
        const pa = at2(a, t, 0);
        const pb = at2(b, r, 0);
        for (let c = 0; c < d; c++) sum += a.data[pa + c * as] * b.data[pb + c * bs];
      }
      s.data[t * k + j] = sum;
    }
  }
};

/** dest must be i32 [N, k] (N = `tokens` when given) and w, if any, `dtype` of dest's shape. */
function checkRouting(
  op: string,
  tokens: number | null,
  dtype: string,
  dest: Tensor,
  w: Tensor | null,
): void {
  if (dest.dtype !== 'i32' || dest.rank !== 2 || (tokens !== null && dest.shape[0] !== tokens)) {
    throw new TesseraError(
      op,
      `dest must be i32 [N, k]${tokens === null ? '' : ` with N = ${tokens} tokens`}, got ${dest.dtype} ${fmt(dest.shape)}`,
    );
  }
  if (
    w &&
    (w.rank !== 2 || w.shape[0] !== dest.shape[0] || w.shape[1] !== dest.shape[1] || w.dtype !== dtype)
  ) {
    throw new TesseraError(
      op,
      `weights must be ${dtype} ${fmt(dest.shape)} like dest, got ${w.dtype} ${fmt(w.shape)}`,
    );
  }
}

function checkRows(op: string, name: string, t: Tensor): void {
  if (t.rank !== 2) throw new TesseraError(op, `${name} must be [rows, d], got ${fmt(t.shape)}`);
}

export const slotDotsDef: CustomOpDef<PermuteAttrs> = defineCustomOp<PermuteAttrs>({
  name: 'moe.slotDots',
  infer: ([a, b, dest]) => {
    checkRows('moe.slotDots', 'a', a);
    checkRows('moe.slotDots', 'b', b);
    if (a.shape[1] !== b.shape[1] || a.dtype !== b.dtype) {
      throw new TesseraError(
        'moe.slotDots',
        `a ${a.dtype} ${fmt(a.shape)} and b ${b.dtype} ${fmt(b.shape)} must share d and dtype`,
      );
    }
    checkRouting('moe.slotDots', a.shape[0], a.dtype, dest, null);
    return [{ shape: [...dest.shape], dtype: a.dtype }];
  },
  kernels: { cpu: slotDotsCpu, webgpu: slotDotsWebGPU },
  gradient: rule<PermuteAttrs>({
    saves: { inputs: [0, 1, 2] },
    vjp: ({ g, x: [a, b, dest], needs, attrs }) => [
      needs[0] ? combine(b, dest, g) : undefined,
      needs[1] ? permute(a, dest, g, attrs.rows) : undefined,
      undefined,
    ],
  }),
});

export const combineDef: CustomOpDef<PermuteAttrs> = defineCustomOp<PermuteAttrs>({
  name: 'moe.combine',
  infer: ([y, dest, w]) => {
    checkRows('moe.combine', 'y', y);
    checkRouting('moe.combine', null, y.dtype, dest, w);
    return [{ shape: [dest.shape[0], y.shape[1]], dtype: y.dtype }];
  },
  kernels: { cpu: combineCpu, webgpu: combineWebGPU },
  gradient: rule<PermuteAttrs>({
    saves: { inputs: [0, 1, 2] },
    vjp: ({ g, x: [y, dest, w], needs, attrs }) => [
      needs[0] ? permute(g, dest, w, attrs.rows) : undefined,
      undefined,
      needs[2] ? slotDots(g, y, dest) : undefined,
    ],
  }),
});

export const permuteDef: CustomOpDef<PermuteAttrs> = defineCustomOp<PermuteAttrs>({
  name: 'moe.permute',
  infer: ([x, dest, w], { rows }) => {
    checkRows('moe.permute', 'x', x);
    checkRouting('moe.permute', x.shape[0], x.dtype, dest, w);
    if (!Number.isInteger(rows) || rows < 0) {
      throw new TesseraError('moe.permute', `rows must be a non-negative integer, got ${rows}`);
    }
    return [{ shape: [rows, x.shape[1]], dtype: x.dtype }];
  },
  kernels: { cpu: permuteCpu, webgpu: permuteWebGPU },
  gradient: rule<PermuteAttrs>({
    saves: { inputs: [0, 1, 2] },
    vjp: ({ g, x: [x, dest, w], needs }) => [
      needs[0] ? combine(g, dest, w) : undefined,
      undefined,
      needs[2] ? slotDots(x, g, dest) : undefined,
    ],
  }),
});

/** The expert-sorted buffer [rows, d]: row dest[t, j] holds w[t, j]·x[t]; rows no slot names are 0. */
export function permute(x: Tensor, dest: Tensor, w: Tensor, rows: number): Tensor {
  return dispatch(permuteDef, [x, dest, w], { rows })[0];
}

/** Back to tokens: o[t] = Σⱼ w[t, j]·y[dest[t, j]] (a dropped slot, dest −1, adds nothing). */
export function combine(y: Tensor, dest: Tensor, w: Tensor): Tensor {
  return dispatch(combineDef, [y, dest, w], { rows: y.shape[0] })[0];
}

/** s[t, j] = a[t]·b[dest[t, j]] (0 for a dropped slot). */
export function slotDots(a: Tensor, b: Tensor, dest: Tensor): Tensor {
  return dispatch(slotDotsDef, [a, b, dest], { rows: b.shape[0] })[0];
}
