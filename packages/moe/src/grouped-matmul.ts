import { type CustomOpDef, defineCustomOp, rule } from '@tessera/autograd';
import {
  type CpuInput,
  type CpuKernel,
  type CpuKernelEnv,
  type CpuOutput,
  dispatch,
  type Tensor,
  TesseraError,
} from '@tessera/core';
import { type MatrixOperand, sgemmFunctions, sgemmWasm } from '@tessera/core/wasm';
import { groupedMatmulTNWebGPU, groupedMatmulWebGPU } from './webgpu/dispatch-wgsl.js';

/*
 * Grouped matrix products over contiguous row segments (the experts' token groups). offsets is
 * an i32 [E + 1] tensor, offsets[0] = 0 ≤ offsets[1] ≤ … ≤ offsets[E] = R: rows [offsets[e],
 * offsets[e + 1]) of the left operand belong to group e. No group is padded: a group's product
 * has exactly its rows.
 *
 *   moe.groupedMatmul    x [R, K], w [E, K, N]  →  y [R, N],     y_e = x_e · w_e
 *   moe.groupedMatmulTN  a [R, K], b [R, N]     →  z [E, K, N],  z_e = a_eᵀ · b_e
 *
 * and each is the other's gradient: for y = x_e·w_e, dx_e = dy_e·w_eᵀ (groupedMatmul with the
 * transposed view of w) and dw_e = x_eᵀ·dy_e (groupedMatmulTN); for z = a_eᵀ·b_e,
 * da_e = b_e·dz_eᵀ and db_e = a_e·dz_e (both groupedMatmul).
 */

const GMM = 'moe.groupedMatmul';
const GMM_TN = 'moe.groupedMatmulTN';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

function checkOffsets(op: string, offsets: { shape: readonly number[]; dtype: string }, groups: number) {
  if (offsets.dtype !== 'i32' || offsets.shape.length !== 1 || offsets.shape[0] !== groups + 1) {
    throw new TesseraError(
      op,
      `offsets must be i32 [${groups + 1}] (group boundaries, first 0, last the row count), got ${offsets.dtype} ${fmt(offsets.shape)}`,
    );
  }
}

/** Reads and checks the segment boundaries a CPU kernel was given. */
function segmentsOf(op: string, offsets: CpuInput, rows: number): number[] {
  const n = offsets.shape[0];
  const out: number[] = [];
  for (let e = 0; e < n; e++) out.push(offsets.data[offsets.offset + e * offsets.strides[0]]);
  const ok = out[0] === 0 && out[n - 1] === rows && out.every((o, e) => e === 0 || o >= out[e - 1]);
  if (!ok) {
    throw new TesseraError(
      op,
      `offsets [${out.join(', ')}] must rise from 0 to the row count ${rows} without decreasing`,
    );
  }
  return out;
}

/** One f32 matrix of a kernel input at `offset` with row and column strides rs, cs, for `sgemmWasm`. */
const operand = (data: unknown, offset: number, rs: number, cs: number): MatrixOperand => ({
  data: data as Float32Array,
  offsets: [offset],
  rs,
  cs,
});

const wasmModuleFor = (env: CpuKernelEnv | undefined) => env?.wasmModule(sgemmFunctions);

/**
 * C[m×n] = Σₜ A[i, t]·B[t, j] over strided operands, accumulated in f64 and written row-major
 * at out[at…]: the kernels' path for f64 (gradient checks) and for runtimes without wasm SIMD.
 */
function stridedGemm(
  a: CpuInput,
  aOff: number,
  ars: number,
  acs: number,
  b: CpuInput,
  bOff: number,
  brs: number,
  bcs: number,
  m: number,
  n: number,
  k: number,
  out: CpuOutput,
  at: number,
): void {
  const row = new Float64Array(n);
  const A = a.data;
  const B = b.data;
  const C = out.data;
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let t = 0; t < k; t++) {
      const av = A[aOff + i * ars + t * acs];
      if (av === 0) continue;
      const bt = bOff + t * brs;
      for (let j = 0; j < n; j++) row[j] += av * B[bt + j * bcs];
    }
    C.set(row, at + i * n);
  }
}

/** y_e = x_e·w_e for every group e: one sgemm per group on the backend's threads when f32. */
const groupedMatmulCpu: CpuKernel = ([x, w, offsets], [y], _attrs, env) => {
  const [rows, k] = x.shape;
  const [groups, , n] = w.shape;
  const seg = segmentsOf(GMM, offsets, rows);
  const rt = y.dtype === 'f32' ? wasmModuleFor(env) : undefined;
  for (let e = 0; e < groups; e++) {
    const m = seg[e + 1] - seg[e];
    if (m === 0) continue;
    const aOff = x.offset + seg[e] * x.strides[0];
    const bOff = w.offset + e * w.strides[0];
    if (rt) {
      const a = operand(x.data, aOff, x.strides[0], x.strides[1]);
      const b = operand(w.data, bOff, w.strides[1], w.strides[2]);
      if (sgemmWasm(rt, m, n, k, 1, a, b, (y.data as Float32Array).subarray(seg[e] * n))) continue;
    }
    stridedGemm(
      x,
      aOff,
      x.strides[0],
      x.strides[1],
      w,
      bOff,
      w.strides[1],
      w.strides[2],
      m,
      n,
      k,
      y,
      seg[e] * n,
    );
  }
};

/** z_e = a_eᵀ·b_e for every group e (zero for a group without rows). */
const groupedMatmulTNCpu: CpuKernel = ([a, b, offsets], [z], _attrs, env) => {
  const [rows, k] = a.shape;
  const n = b.shape[1];
  const groups = offsets.shape[0] - 1;
  const seg = segmentsOf(GMM_TN, offsets, rows);
  const rt = z.dtype === 'f32' ? wasmModuleFor(env) : undefined;
  for (let e = 0; e < groups; e++) {
    const m = seg[e + 1] - seg[e];
    const at = e * k * n;
    if (m === 0) {
      z.data.fill(0, at, at + k * n);
      continue;
    }
    // Aᵀ of the group's rows: element (i, t) = a[seg[e] + t, i].
    const aOff = a.offset + seg[e] * a.strides[0];
    const bOff = b.offset + seg[e] * b.strides[0];
    if (rt) {
      const A = operand(a.data, aOff, a.strides[1], a.strides[0]);
      const B = operand(b.data, bOff, b.strides[0], b.strides[1]);
      if (sgemmWasm(rt, k, n, m, 1, A, B, (z.data as Float32Array).subarray(at))) continue;
    }
    stridedGemm(a, aOff, a.strides[1], a.strides[0], b, bOff, b.strides[0], b.strides[1], k, n, m, z, at);
  }
};

function checkFloat(op: string, names: string, ...ts: { dtype: string; shape: readonly number[] }[]) {
  const d = ts[0].dtype;
  if (!['f32', 'f64', 'f16', 'bf16'].includes(d) || ts.some((t) => t.dtype !== d)) {
    throw new TesseraError(
      op,
      `${names} must share one floating dtype, got ${ts.map((t) => `${t.dtype} ${fmt(t.shape)}`).join(' and ')}`,
    );
  }
}

export const groupedMatmulTNDef: CustomOpDef<Record<string, never>> = defineCustomOp<Record<string, never>>({
  name: GMM_TN,
  infer: ([a, b, offsets]) => {
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[0] !== b.shape[0]) {
      throw new TesseraError(
        GMM_TN,
        `a [R, K] and b [R, N] must be matrices with the same rows, got ${fmt(a.shape)} and ${fmt(b.shape)}`,
      );
    }
    checkFloat(GMM_TN, 'a and b', a, b);
    checkOffsets(GMM_TN, offsets, offsets.shape.length === 1 ? Math.max(offsets.shape[0] - 1, 0) : 0);
    return [{ shape: [offsets.shape[0] - 1, a.shape[1], b.shape[1]], dtype: a.dtype }];
  },
  kernels: { cpu: groupedMatmulTNCpu, webgpu: groupedMatmulTNWebGPU },
  gradient: rule({
    saves: { inputs: [0, 1, 2] },
    vjp: ({ g, x: [a, b, offsets], needs }) => [
      needs[0] ? groupedMatmul(b, g.transpose(1, 2), offsets) : undefined,
      needs[1] ? groupedMatmul(a, g, offsets) : undefined,
      undefined,
    ],
  }),
});

export const groupedMatmulDef: CustomOpDef<Record<string, never>> = defineCustomOp<Record<string, never>>({
  name: GMM,
  infer: ([x, w, offsets]) => {
    if (x.shape.length !== 2 || w.shape.length !== 3 || x.shape[1] !== w.shape[1]) {
      throw new TesseraError(
        GMM,
        `x must be [R, K] and w [E, K, N] with the same K, got x ${fmt(x.shape)} and w ${fmt(w.shape)}`,
      );
    }
    checkFloat(GMM, 'x and w', x, w);
    checkOffsets(GMM, offsets, w.shape[0]);
    return [{ shape: [x.shape[0], w.shape[2]], dtype: x.dtype }];
  },
  kernels: { cpu: groupedMatmulCpu, webgpu: groupedMatmulWebGPU },
  gradient: rule({
    saves: { inputs: [0, 1, 2] },
    vjp: ({ g, x: [x, w, offsets], needs }) => [
      needs[0] ? groupedMatmul(g, w.transpose(1, 2), offsets) : undefined,
      needs[1] ? groupedMatmulTN(x, g, offsets) : undefined,
      undefined,
    ],
  }),
});

/**
 * y[r] = x[r]·w[e] for the rows r of group e, offsets (i32 [E + 1]) marking where each group's
 * rows start: one op over every group, with no padding (MegaBlocks' dropless grouped product).
 */
export function groupedMatmul(x: Tensor, w: Tensor, offsets: Tensor): Tensor {
  return dispatch(groupedMatmulDef, [x, w, offsets], {})[0];
}

/** z[e] = a_eᵀ·b_e over each group's rows (the weight gradient of groupedMatmul). */
export function groupedMatmulTN(a: Tensor, b: Tensor, offsets: Tensor): Tensor {
  return dispatch(groupedMatmulTNDef, [a, b, offsets], {})[0];
}
