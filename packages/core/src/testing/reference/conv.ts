import { count, get, type Ref } from './base.js';

/** Window geometry as the reference sees it (plain numbers, no validation). */
export interface RefConv {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

function outSize(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * Visits every term of conv2d's sum: out[n, o, y, x] += w[o, c, i, j]·in[n, g·C/g + c, hy, wx],
 * for the in-image positions (hy, wx) = (y·sh − ph + i·dh, x·sw − pw + j·dw).
 */
function forEachTerm(
  xs: number[],
  ws: number[],
  a: RefConv,
  term: (out: number[], wIdx: number[], inIdx: number[]) => void,
): void {
  const [n, , h, w] = xs;
  const [o, cg, kh, kw] = ws;
  const oh = outSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = outSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
  const og = o / a.groups;
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++)
          for (let c = 0; c < cg; c++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const hy = y * a.stride[0] - a.padding[0] + i * a.dilation[0];
                const wx = x * a.stride[1] - a.padding[1] + j * a.dilation[1];
                if (hy < 0 || hy >= h || wx < 0 || wx >= w) continue;
                const ic = Math.floor(oc / og) * cg + c;
                term([b, oc, y, x], [oc, c, i, j], [b, ic, hy, wx]);
              }
}

function flat(idx: number[], shape: number[]): number {
  return idx.reduce((p, v, d) => p * shape[d] + v, 0);
}

export function refConv2dShape(xs: number[], ws: number[], a: RefConv): number[] {
  return [
    xs[0],
    ws[0],
    outSize(xs[2], ws[2], a.stride[0], a.padding[0], a.dilation[0]),
    outSize(xs[3], ws[3], a.stride[1], a.padding[1], a.dilation[1]),
  ];
}

export function refConv2d(x: Ref, w: Ref, bias: Ref | undefined, a: RefConv): Ref {
  const shape = refConv2dShape(x.shape, w.shape, a);
  const data = new Float64Array(count(shape));
  const area = shape[2] * shape[3];
  for (let p = 0; p < data.length; p++) data[p] = bias ? bias.data[Math.floor(p / area) % shape[1]] : 0;
  forEachTerm(x.shape, w.shape, a, (o, wi, xi) => {
    data[flat(o, shape)] += get(w, wi) * get(x, xi);
  });
  return { shape, data };
}

/** ∂L/∂x = Σ gradOut·∂out/∂x: each term's weight, times its gradOut, lands on its input position. */
export function refConv2dBackwardInput(gy: Ref, w: Ref, inputShape: number[], a: RefConv): Ref {
  const data = new Float64Array(count(inputShape));
  forEachTerm(inputShape, w.shape, a, (o, wi, xi) => {
    data[flat(xi, inputShape)] += get(gy, o) * get(w, wi);
  });
  return { shape: [...inputShape], data };
}

/** ∂L/∂w = Σ gradOut·∂out/∂w: each term's input value, times its gradOut, lands on its weight. */
export function refConv2dBackwardWeight(x: Ref, gy: Ref, weightShape: number[], a: RefConv): Ref {
  const data = new Float64Array(count(weightShape));
  forEachTerm(x.shape, weightShape, a, (o, wi, xi) => {
    data[flat(wi, weightShape)] += get(gy, o) * get(x, xi);
  });
  return { shape: [...weightShape], data };
}
