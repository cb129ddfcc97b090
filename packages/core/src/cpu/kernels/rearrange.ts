import type { CoreOpTable } from '../../op-names.js';
import type { TriangleAttrs } from '../../ops/rearrange.js';
import { gatherByMaps } from '../axis-maps.js';
import { forEachRow } from '../strided.js';
import type { CpuKernel } from '../types.js';

/** Keeps element (i, j) of each matrix where keep(j - i) holds, else writes zero. */
function triangleKernel(keep: (diff: number, k: number) => boolean): CpuKernel<TriangleAttrs> {
  return ([x], [out], { k }) => {
    const src = x.data;
    const dst = out.data;
    const rows = out.shape[out.shape.length - 2];
    forEachRow(out.shape, [x.strides], [x.offset], (b, s, n, o) => {
      const i = (o / n) % rows;
      for (let j = 0, p = b[0]; j < n; j++, p += s[0]) dst[o + j] = keep(j - i, k) ? src[p] : 0;
    });
  };
}

const repeatKernel: CpuKernel<{ reps: number[] }> = ([x], [out]) => {
  const maps = out.shape.map((size, d) => Int32Array.from({ length: size }, (_, o) => o % x.shape[d]));
  gatherByMaps(x, out, maps, 0);
};

const flipKernel: CpuKernel<{ axes: number[] }> = ([x], [out], { axes }) => {
  const maps = x.shape.map((n, d) =>
    Int32Array.from({ length: n }, (_, o) => (axes.includes(d) ? n - 1 - o : o)),
  );
  gatherByMaps(x, out, maps, 0);
};

export const rearrangeKernels: CoreOpTable<CpuKernel> = {
  tril: triangleKernel((diff, k) => diff <= k),
  triu: triangleKernel((diff, k) => diff >= k),
  repeat: repeatKernel,
  flip: flipKernel,
};
