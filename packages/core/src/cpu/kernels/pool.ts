import type { CoreOpTable } from '../../op-names.js';
import type { AvgPool2dAttrs, AvgPool2dBackwardAttrs, MaxPool2dAttrs } from '../../ops/pool.js';
import type { CpuInput, CpuKernel } from '../types.js';

/**
 * Pooling by direct window scans. Each window's input positions are those of
 * (y·sh − ph + i·dh, x·sw − pw + j·dw) that fall inside the image; padding never wins a max
 * and counts toward an average's divisor only with countIncludePad.
 */
interface Plane {
  n: number;
  c: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

function plane(xs: readonly number[], ys: readonly number[]): Plane {
  return { n: xs[0], c: xs[1], h: xs[2], w: xs[3], oh: ys[2], ow: ys[3] };
}

/** Calls visit(outIndex, plane, rows, cols) for every window with its in-image rows and columns, in order. */
function forEachWindow(
  p: Plane,
  a: { kernel: number[]; stride: number[]; padding: number[]; dilation?: number[] },
  visit: (o: number, plane: number, hs: number[], ws: number[]) => void,
): void {
  const dil = a.dilation ?? [1, 1];
  let o = 0;
  for (let nc = 0; nc < p.n * p.c; nc++) {
    for (let y = 0; y < p.oh; y++) {
      const hs: number[] = [];
      for (let i = 0; i < a.kernel[0]; i++) {
        const hy = y * a.stride[0] - a.padding[0] + i * dil[0];
        if (hy >= 0 && hy < p.h) hs.push(hy);
      }
      for (let x = 0; x < p.ow; x++, o++) {
        const ws: number[] = [];
        for (let j = 0; j < a.kernel[1]; j++) {
          const wx = x * a.stride[1] - a.padding[1] + j * dil[1];
          if (wx >= 0 && wx < p.w) ws.push(wx);
        }
        visit(o, nc, hs, ws);
      }
    }
  }
}

/** Offset of element (plane nc, row y, col x) of a strided 4-D input. */
function at(t: CpuInput, c: number, nc: number, y: number, x: number): number {
  const [s0, s1, s2, s3] = t.strides;
  return t.offset + Math.floor(nc / c) * s0 + (nc % c) * s1 + y * s2 + x * s3;
}

/** Row and column of the first max in a window (NaN wins), or [-1, -1] for an empty window. */
function firstMax(x: CpuInput, c: number, nc: number, hs: number[], ws: number[]): [number, number, number] {
  let best = Number.NEGATIVE_INFINITY;
  let by = -1;
  let bx = -1;
  for (const y of hs) {
    for (const xx of ws) {
      const v = x.data[at(x, c, nc, y, xx)];
      if (by < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
        best = v;
        by = y;
        bx = xx;
      }
    }
  }
  return [best, by, bx];
}

const maxPool2dKernel: CpuKernel<MaxPool2dAttrs> = ([x], [out], a) => {
  const p = plane(x.shape, out.shape);
  forEachWindow(p, a, (o, nc, hs, ws) => {
    out.data[o] = firstMax(x, p.c, nc, hs, ws)[0];
  });
};

const maxPool2dBackwardKernel: CpuKernel<MaxPool2dAttrs> = ([x, gy], [out], a) => {
  const p = plane(x.shape, gy.shape);
  const g = new Float64Array(out.data.length);
  forEachWindow(p, a, (o, nc, hs, ws) => {
    const [, y, xx] = firstMax(x, p.c, nc, hs, ws);
    if (y < 0) return;
    const gv = gy.data[at(gy, p.c, nc, Math.floor(o / p.ow) % p.oh, o % p.ow)];
    g[(nc * p.h + y) * p.w + xx] += gv;
  });
  out.data.set(g);
};

function divisor(a: AvgPool2dAttrs, hs: number[], ws: number[]): number {
  return a.countIncludePad ? a.kernel[0] * a.kernel[1] : hs.length * ws.length;
}

const avgPool2dKernel: CpuKernel<AvgPool2dAttrs> = ([x], [out], a) => {
  const p = plane(x.shape, out.shape);
  forEachWindow(p, a, (o, nc, hs, ws) => {
    let s = 0;
    for (const y of hs) for (const xx of ws) s += x.data[at(x, p.c, nc, y, xx)];
    out.data[o] = s / divisor(a, hs, ws);
  });
};

const avgPool2dBackwardKernel: CpuKernel<AvgPool2dBackwardAttrs> = ([gy], [out], a) => {
  const p = plane(a.inputShape, gy.shape);
  const g = new Float64Array(out.data.length);
  forEachWindow(p, a, (o, nc, hs, ws) => {
    const gv = gy.data[at(gy, p.c, nc, Math.floor(o / p.ow) % p.oh, o % p.ow)] / divisor(a, hs, ws);
    for (const y of hs) for (const xx of ws) g[(nc * p.h + y) * p.w + xx] += gv;
  });
  out.data.set(g);
};

export const poolKernels: CoreOpTable<CpuKernel> = {
  maxPool2d: maxPool2dKernel,
  maxPool2dBackward: maxPool2dBackwardKernel,
  avgPool2d: avgPool2dKernel,
  avgPool2dBackward: avgPool2dBackwardKernel,
};
