import { BINARY, type BinaryEntry, UNARY, type UnaryEntry } from '../../ops/elementwise.js';
import { forEachRow, isDense, stridesFor } from '../strided.js';
import type { CpuKernel } from '../types.js';

function unaryKernel<A>(e: UnaryEntry<A>): CpuKernel<A> {
  const f = e.js;
  return ([x], [out], attrs) => {
    const src = x.data;
    const dst = out.data;
    if (isDense(x, out.shape)) {
      const o = x.offset;
      for (let i = 0; i < dst.length; i++) dst[i] = f(src[o + i], attrs);
      return;
    }
    forEachRow(out.shape, [x.strides], [x.offset], (b, s, n, base) => {
      let i = b[0];
      for (let j = 0; j < n; j++, i += s[0]) dst[base + j] = f(src[i], attrs);
    });
  };
}

function binaryKernel(e: BinaryEntry): CpuKernel {
  const f = e.js;
  return ([a, b], [out]) => {
    const x = a.data;
    const y = b.data;
    const dst = out.data;
    const shape = out.shape;
    if (isDense(a, shape) && isDense(b, shape)) {
      const oa = a.offset;
      const ob = b.offset;
      for (let i = 0; i < dst.length; i++) dst[i] = f(x[oa + i], y[ob + i]);
      return;
    }
    forEachRow(
      shape,
      [stridesFor(a, shape), stridesFor(b, shape)],
      [a.offset, b.offset],
      (bs, s, n, base) => {
        let i = bs[0];
        let k = bs[1];
        const sa = s[0];
        const sb = s[1];
        for (let j = 0; j < n; j++, i += sa, k += sb) dst[base + j] = f(x[i], y[k]);
      },
    );
  };
}

const whereKernel: CpuKernel = ([c, a, b], [out]) => {
  const cd = c.data;
  const x = a.data;
  const y = b.data;
  const dst = out.data;
  const shape = out.shape;
  forEachRow(
    shape,
    [stridesFor(c, shape), stridesFor(a, shape), stridesFor(b, shape)],
    [c.offset, a.offset, b.offset],
    (bs, s, n, base) => {
      let ic = bs[0];
      let ia = bs[1];
      let ib = bs[2];
      for (let j = 0; j < n; j++, ic += s[0], ia += s[1], ib += s[2])
        dst[base + j] = cd[ic] !== 0 ? x[ia] : y[ib];
    },
  );
};

/** CPU kernels generated from the elementwise table in ops/elementwise.ts. */
export function elementwiseKernels(): Record<string, CpuKernel> {
  const table: Record<string, CpuKernel> = { where: whereKernel };
  for (const e of Object.values(UNARY)) table[e.name] = unaryKernel(e as UnaryEntry<unknown>);
  for (const e of Object.values(BINARY)) table[e.name] = binaryKernel(e);
  return table;
}
