import type { CoreOpTable } from '../../op-names.js';
import type { Conv2dAttrs, Conv2dBackwardInputAttrs, Conv2dBackwardWeightAttrs } from '../../ops/conv.js';
import type { WasmModule } from '../../wasm/wasm-module.js';
import { gemm, packMatrix } from '../gemm.js';
import type { CpuInput, CpuKernel, CpuKernelEnv } from '../types.js';
import { sgemmWasm } from '../wasm/sgemm.js';

/** Work buffers are f32 when the products run as SIMD sgemm, else f64 for the TypeScript gemm. */
type Float = Float32Array | Float64Array;

/** A strided matrix view: element (i, j) is data[off + i·rs + j·cs]. */
interface View {
  data: Float;
  off: number;
  rs: number;
  cs: number;
}

/**
 * c[cOff …] (+)= A·B (m×k · k×n): SIMD sgemm on f32 buffers when the backend has a runtime, else
 * the f64 blocked gemm (packing strided views into dense copies first).
 */
function product(
  rt: WasmModule | undefined,
  m: number,
  n: number,
  k: number,
  a: View,
  b: View,
  c: Float,
  cOff: number,
  accumulate = false,
): void {
  if (rt && c instanceof Float32Array) {
    const dst = accumulate ? new Float32Array(m * n) : c.subarray(cOff, cOff + m * n);
    const va = { data: a.data as Float32Array, offsets: [a.off], rs: a.rs, cs: a.cs };
    const vb = { data: b.data as Float32Array, offsets: [b.off], rs: b.rs, cs: b.cs };
    if (sgemmWasm(rt, m, n, k, 1, va, vb, dst)) {
      if (accumulate) for (let i = 0; i < dst.length; i++) c[cOff + i] += dst[i];
      return;
    }
  }
  const dense = (v: View, rows: number, cols: number) =>
    v.data instanceof Float64Array && v.rs === cols && v.cs === 1
      ? { data: v.data, off: v.off }
      : { data: packMatrix(v.data, v.off, rows, cols, v.rs, v.cs, new Float64Array(rows * cols)), off: 0 };
  const pa = dense(a, m, k);
  const pb = dense(b, k, n);
  if (c instanceof Float64Array) {
    gemm(m, n, k, pa.data, pa.off, pb.data, pb.off, c, cOff, accumulate);
    return;
  }
  const tmp = new Float64Array(m * n);
  gemm(m, n, k, pa.data, pa.off, pb.data, pb.off, tmp, 0);
  for (let i = 0; i < tmp.length; i++) c[cOff + i] = accumulate ? c[cOff + i] + tmp[i] : tmp[i];
}

/** The SIMD runtime for an f32 conv, or undefined (f64, or SIMD off). */
function runtimeFor(env: CpuKernelEnv, dtype: string): WasmModule | undefined {
  return dtype === 'f32' ? env.wasmModule() : undefined;
}

/**
 * conv2d as matrix products (im2col): for each image and group, the receptive fields are laid
 * out as the columns of cols [K × P] (K = C/g·kH·kW, P = OH·OW), so out_g = W_g · cols, and
 * the gradients are ∂x = col2im(W_gᵀ · ∂out_g) and ∂W_g = Σₙ ∂out_g · colsᵀ. At f32 with SIMD
 * the products run as sgemm on f32 buffers (transposed operands read in place), else as the
 * f64 gemm.
 */
interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  g: number;
  cg: number;
  og: number;
  K: number;
  P: number;
}

function geometry(
  xs: readonly number[],
  ws: readonly number[],
  ys: readonly number[],
  a: Conv2dAttrs,
): Geometry {
  const [n, c, h, w] = xs;
  const [o, cg, kh, kw] = ws;
  const [, , oh, ow] = ys;
  return { n, c, h, w, o, kh, kw, oh, ow, g: a.groups, cg, og: o / a.groups, K: cg * kh * kw, P: oh * ow };
}

/** cols[(c·kH + i)·kW + j][y·OW + x] = input[img, group·C/g + c, y·sh − ph + i·dh, x·sw − pw + j·dw], 0 in the padding. */
function im2col(x: CpuInput, img: number, group: number, d: Geometry, a: Conv2dAttrs, cols: Float): void {
  const [s0, s1, s2, s3] = x.strides;
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const [dh, dw] = a.dilation;
  const src = x.data;
  let row = 0;
  for (let c = 0; c < d.cg; c++) {
    const base = x.offset + img * s0 + (group * d.cg + c) * s1;
    for (let i = 0; i < d.kh; i++) {
      for (let j = 0; j < d.kw; j++, row++) {
        let p = row * d.P;
        for (let y = 0; y < d.oh; y++) {
          const hy = y * sh - ph + i * dh;
          const inRow = hy >= 0 && hy < d.h;
          for (let q = 0; q < d.ow; q++, p++) {
            const wx = q * sw - pw + j * dw;
            cols[p] = inRow && wx >= 0 && wx < d.w ? src[base + hy * s2 + wx * s3] : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back onto the input position it was read from. */
function col2im(cols: Float, group: number, d: Geometry, a: Conv2dAttrs, img: Float): void {
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const [dh, dw] = a.dilation;
  let row = 0;
  for (let c = 0; c < d.cg; c++) {
    const base = (group * d.cg + c) * d.h * d.w;
    for (let i = 0; i < d.kh; i++) {
      for (let j = 0; j < d.kw; j++, row++) {
        let p = row * d.P;
        for (let y = 0; y < d.oh; y++) {
          const hy = y * sh - ph + i * dh;
          if (hy < 0 || hy >= d.h) {
            p += d.ow;
            continue;
          }
          for (let q = 0; q < d.ow; q++, p++) {
            const wx = q * sw - pw + j * dw;
            if (wx >= 0 && wx < d.w) img[base + hy * d.w + wx] += cols[p];
          }
        }
      }
    }
  }
}

/** Dense copy of a 4-D strided tensor in row-major order (f32 or f64 as `F`). */
function pack4(t: CpuInput, F: typeof Float32Array | typeof Float64Array): Float {
  const [a, b, c, d] = t.shape;
  const out = new F(a * b * c * d);
  const [s0, s1, s2, s3] = t.strides;
  let o = 0;
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let k = 0; k < c; k++) {
        let s = t.offset + i * s0 + j * s1 + k * s2;
        for (let l = 0; l < d; l++, s += s3) out[o++] = t.data[s];
      }
  return out;
}

const conv2dKernel: CpuKernel<Conv2dAttrs> = ([x, w, bias], [out], a, env) => {
  const d = geometry(x.shape, w.shape, out.shape, a);
  const rt = runtimeFor(env, out.dtype);
  const F = rt ? Float32Array : Float64Array;
  const wp = pack4(w, F); // [O × K] row-major: group g's rows start at g·og·K
  const cols = new F(d.K * d.P);
  const res = new F(d.og * d.P);
  const dst = out.data;
  for (let img = 0; img < d.n; img++) {
    for (let g = 0; g < d.g; g++) {
      im2col(x, img, g, d, a, cols);
      product(
        rt,
        d.og,
        d.P,
        d.K,
        { data: wp, off: g * d.og * d.K, rs: d.K, cs: 1 },
        { data: cols, off: 0, rs: d.P, cs: 1 },
        res,
        0,
      );
      for (let oc = 0; oc < d.og; oc++) {
        const ch = g * d.og + oc;
        const b = bias ? bias.data[bias.offset + ch * bias.strides[0]] : 0;
        const base = (img * d.o + ch) * d.P;
        for (let p = 0; p < d.P; p++) dst[base + p] = res[oc * d.P + p] + b;
      }
    }
  }
};

const conv2dBackwardInputKernel: CpuKernel<Conv2dBackwardInputAttrs> = ([gy, w], [out], a, env) => {
  const d = geometry(a.inputShape, w.shape, gy.shape, a);
  const rt = runtimeFor(env, out.dtype);
  const F = rt ? Float32Array : Float64Array;
  const wp = pack4(w, F);
  const gp = pack4(gy, F);
  const cols = new F(d.K * d.P);
  const img = new F(d.c * d.h * d.w);
  for (let n = 0; n < d.n; n++) {
    img.fill(0);
    for (let g = 0; g < d.g; g++) {
      // cols = W_gᵀ [K × og] · ∂out_g [og × P]
      const wt = { data: wp, off: g * d.og * d.K, rs: 1, cs: d.K };
      const gv = { data: gp, off: (n * d.o + g * d.og) * d.P, rs: d.P, cs: 1 };
      product(rt, d.K, d.P, d.og, wt, gv, cols, 0);
      col2im(cols, g, d, a, img);
    }
    out.data.set(img, n * img.length);
  }
};

const conv2dBackwardWeightKernel: CpuKernel<Conv2dBackwardWeightAttrs> = ([x, gy], [out], a, env) => {
  const d = geometry(x.shape, a.weightShape, gy.shape, a);
  const rt = runtimeFor(env, out.dtype);
  const F = rt ? Float32Array : Float64Array;
  const gp = pack4(gy, F);
  const cols = new F(d.K * d.P);
  const gw = new F(d.o * d.K);
  for (let n = 0; n < d.n; n++) {
    for (let g = 0; g < d.g; g++) {
      im2col(x, n, g, d, a, cols);
      // ∂W_g += ∂out_g [og × P] · colsᵀ [P × K]
      const gv = { data: gp, off: (n * d.o + g * d.og) * d.P, rs: d.P, cs: 1 };
      product(rt, d.og, d.K, d.P, gv, { data: cols, off: 0, rs: 1, cs: d.P }, gw, g * d.og * d.K, true);
    }
  }
  out.data.set(gw);
};

export const convKernels: CoreOpTable<CpuKernel> = {
  conv2d: conv2dKernel,
  conv2dBackwardInput: conv2dBackwardInputKernel,
  conv2dBackwardWeight: conv2dBackwardWeightKernel,
};
