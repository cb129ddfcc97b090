import type { CoreOpTable } from '../../op-names.js';
import type { SliceAttrs } from '../../ops/views.js';
import { contiguousStrides, forEachRow } from '../strided.js';
import type { CpuInput, CpuKernel, CpuOutput } from '../types.js';

/** Copies a strided input into the output region that starts at outOffset with outStrides. */
function copyRegion(x: CpuInput, out: CpuOutput, outStrides: readonly number[], outOffset: number): void {
  const src = x.data;
  const dst = out.data;
  forEachRow(x.shape, [x.strides, outStrides], [x.offset, outOffset], (b, s, n) => {
    let i = b[0];
    let o = b[1];
    for (let j = 0; j < n; j++, i += s[0], o += s[1]) dst[o] = src[i];
  });
}

const concatKernel: CpuKernel<{ axis: number }> = (xs, [out], { axis }) => {
  const strides = contiguousStrides(out.shape);
  let start = 0;
  for (const x of xs) {
    copyRegion(x, out, strides, start * strides[axis]);
    start += x.shape[axis];
  }
};

const sliceScatterKernel: CpuKernel<SliceAttrs> = ([base, src], [out], a) => {
  const strides = contiguousStrides(out.shape);
  copyRegion(base, out, strides, 0);
  const sliced = [...strides];
  sliced[a.axis] *= a.step;
  copyRegion(src, out, sliced, a.start * strides[a.axis]);
};

export const joiningKernels: CoreOpTable<CpuKernel> = {
  concat: concatKernel,
  sliceScatter: sliceScatterKernel,
};
