import type { CoreOpTable } from '../../op-names.js';
import { contiguousStrides, forEachRow } from '../strided.js';
import type { CpuInput, CpuKernel, CpuOutput } from '../types.js';

/** Strided → row-major copy; assignment into the output array does the dtype conversion. */
function copyInto(x: CpuInput, out: CpuOutput, toBool: boolean): void {
  const src = x.data;
  const dst = out.data;
  forEachRow(
    out.shape,
    [x.strides, contiguousStrides(out.shape)],
    [x.offset, 0],
    (b, s, n, o) => {
      let i = b[0];
      const st = s[0];
      if (toBool) for (let j = 0; j < n; j++, i += st) dst[o + j] = src[i] !== 0 ? 1 : 0;
      else for (let j = 0; j < n; j++, i += st) dst[o + j] = src[i];
    },
    true,
  );
}

export const copyKernels: CoreOpTable<CpuKernel> = {
  copy: ([x], [out]) => copyInto(x, out, false),
  // Int32Array stores truncate toward zero (NaN → 0); bool needs an explicit test.
  cast: ([x], [out]) => copyInto(x, out, out.dtype === 'bool'),
};
