import type { CoreOpTable } from '../../op-names.js';
import { broadcastStrides, numel } from '../../shape.js';
import { gemm, packMatrix } from '../gemm.js';
import { offsetsOf } from '../lanes.js';
import type { CpuKernel } from '../types.js';
import { sgemmWasm } from '../wasm/sgemm.js';

/**
 * Batched C = A·B with NumPy batch broadcasting. Each batch's operands are packed into dense
 * f64 matrices (this also resolves transposed and strided layouts), multiplied by the blocked
 * gemm, and stored to the output, which rounds once to the output dtype. f32 products run as
 * WebAssembly SIMD (wasm/sgemm.ts) when the backend has a runtime.
 */
const matmulKernel: CpuKernel = ([a, b], [out], _attrs, env) => {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = a.shape[ra - 2];
  const k = a.shape[ra - 1];
  const n = b.shape[rb - 1];
  const batch = out.shape.slice(0, -2);
  const aBatch = offsetsOf(batch, broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), batch));
  const bBatch = offsetsOf(batch, broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), batch));
  if (out.dtype === 'i32') {
    // Two's-complement products and sums (as PyTorch's int32 and WGSL's i32): f64 would round
    // products past 2^53 before the store wraps them.
    const [x, y, dst] = [a.data, b.data, out.data];
    const [ar, ac, br, bc] = [a.strides[ra - 2], a.strides[ra - 1], b.strides[rb - 2], b.strides[rb - 1]];
    for (let t = 0, o = 0; t < numel(batch); t++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++, o++) {
          let acc = 0;
          for (let p = 0; p < k; p++)
            acc =
              (acc +
                Math.imul(
                  x[a.offset + aBatch[t] + i * ar + p * ac],
                  y[b.offset + bBatch[t] + p * br + j * bc],
                )) |
              0;
          dst[o] = acc;
        }
      }
    }
    return;
  }
  const rt = out.dtype === 'f32' ? env.wasmModule() : undefined;
  if (rt) {
    const batches = numel(batch);
    // One B for every batch and A's batches stacked rows apart (x·W with x [..., m, k] and a 2-D
    // W, as in every linear layer): one (batches·m)×k product instead of many thin ones.
    const rs = a.strides[ra - 2];
    if (batches > 1 && bBatch.every((o) => o === bBatch[0]) && aBatch.every((o, t) => o === t * m * rs)) {
      const opA = { data: a.data as Float32Array, offsets: [a.offset], rs, cs: a.strides[ra - 1] };
      const opB = {
        data: b.data as Float32Array,
        offsets: [b.offset + bBatch[0]],
        rs: b.strides[rb - 2],
        cs: b.strides[rb - 1],
      };
      if (sgemmWasm(rt, batches * m, n, k, 1, opA, opB, out.data as Float32Array)) return;
    }
    const aOffs = aBatch.map((o) => o + a.offset);
    const bOffs = bBatch.map((o) => o + b.offset);
    const opA = {
      data: a.data as Float32Array,
      offsets: aOffs,
      rs: a.strides[ra - 2],
      cs: a.strides[ra - 1],
    };
    const opB = {
      data: b.data as Float32Array,
      offsets: bOffs,
      rs: b.strides[rb - 2],
      cs: b.strides[rb - 1],
    };
    if (sgemmWasm(rt, m, n, k, numel(batch), opA, opB, out.data as Float32Array)) return;
  }
  const pa = new Float64Array(m * k);
  const pb = new Float64Array(k * n);
  const pc = new Float64Array(m * n);
  const dst = out.data;
  for (let t = 0; t < numel(batch); t++) {
    packMatrix(a.data, a.offset + aBatch[t], m, k, a.strides[ra - 2], a.strides[ra - 1], pa);
    packMatrix(b.data, b.offset + bBatch[t], k, n, b.strides[rb - 2], b.strides[rb - 1], pb);
    gemm(m, n, k, pa, 0, pb, 0, pc, 0);
    dst.set(pc, t * m * n);
  }
};

export const matmulKernels: CoreOpTable<CpuKernel> = { matmul: matmulKernel };
