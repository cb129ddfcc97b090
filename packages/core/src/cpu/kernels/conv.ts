import type { Conv2dAttrs, Conv2dBackwardInputAttrs, Conv2dBackwardWeightAttrs } from '../../ops/conv.js';
import { gemm, packMatrix } from '../gemm.js';
import type { KernelEnv } from '../options.js';
import type { CpuInput, CpuKernel } from '../types.js';

/**
 * conv2d as matrix products (im2col): for each image and group, the receptive fields are laid
 * out as the columns of cols [K × P] (K = C/g·kH·kW, P = OH·OW), so out_g = W_g · cols, and
 * the gradients are ∂x = col2im(W_gᵀ · ∂out_g) and ∂W_g = Σₙ ∂out_g · colsᵀ.
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
function im2col(
  x: CpuInput,
  img: number,
  group: number,
  d: Geometry,
  a: Conv2dAttrs,
  cols: Float64Array,
): void {
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
function col2im(cols: Float64Array, group: number, d: Geometry, a: Conv2dAttrs, img: Float64Array): void {
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

/** Dense f64 copy of a 4-D strided tensor in row-major order. */
function pack4(t: CpuInput): Float64Array {
  const [a, b, c, d] = t.shape;
  const out = new Float64Array(a * b * c * d);
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

const conv2dKernel: CpuKernel<Conv2dAttrs> = ([x, w, bias], [out], a) => {
  const d = geometry(x.shape, w.shape, out.shape, a);
  const wp = pack4(w); // [O × K] row-major: group g's rows start at g·og·K
  const cols = new Float64Array(d.K * d.P);
  const res = new Float64Array(d.og * d.P);
  const dst = out.data;
  for (let img = 0; img < d.n; img++) {
    for (let g = 0; g < d.g; g++) {
      im2col(x, img, g, d, a, cols);
      gemm(d.og, d.P, d.K, wp, g * d.og * d.K, cols, 0, res, 0);
      for (let oc = 0; oc < d.og; oc++) {
        const ch = g * d.og + oc;
        const b = bias ? bias.data[bias.offset + ch * bias.strides[0]] : 0;
        const base = (img * d.o + ch) * d.P;
        for (let p = 0; p < d.P; p++) dst[base + p] = res[oc * d.P + p] + b;
      }
    }
  }
};

const conv2dBackwardInputKernel: CpuKernel<Conv2dBackwardInputAttrs> = ([gy, w], [out], a) => {
  const d = geometry(a.inputShape, w.shape, gy.shape, a);
  const wp = pack4(w);
  const gp = pack4(gy);
  const wt = new Float64Array(d.K * d.og);
  const cols = new Float64Array(d.K * d.P);
  const img = new Float64Array(d.c * d.h * d.w);
  for (let n = 0; n < d.n; n++) {
    img.fill(0);
    for (let g = 0; g < d.g; g++) {
      // W_gᵀ [K × og] from the rows of group g.
      packMatrix(wp, g * d.og * d.K, d.K, d.og, 1, d.K, wt);
      gemm(d.K, d.P, d.og, wt, 0, gp, (n * d.o + g * d.og) * d.P, cols, 0);
      col2im(cols, g, d, a, img);
    }
    out.data.set(img, n * img.length);
  }
};

const conv2dBackwardWeightKernel: CpuKernel<Conv2dBackwardWeightAttrs> = ([x, gy], [out], a) => {
  const d = geometry(x.shape, a.weightShape, gy.shape, a);
  const gp = pack4(gy);
  const cols = new Float64Array(d.K * d.P);
  const colsT = new Float64Array(d.P * d.K);
  const gw = new Float64Array(d.o * d.K);
  for (let n = 0; n < d.n; n++) {
    for (let g = 0; g < d.g; g++) {
      im2col(x, n, g, d, a, cols);
      packMatrix(cols, 0, d.P, d.K, 1, d.P, colsT);
      gemm(d.og, d.K, d.P, gp, (n * d.o + g * d.og) * d.P, colsT, 0, gw, g * d.og * d.K, true);
    }
  }
  out.data.set(gw);
};

export function convKernels(_env: KernelEnv): Record<string, CpuKernel> {
  return {
    conv2d: conv2dKernel,
    conv2dBackwardInput: conv2dBackwardInputKernel,
    conv2dBackwardWeight: conv2dBackwardWeightKernel,
  };
}
