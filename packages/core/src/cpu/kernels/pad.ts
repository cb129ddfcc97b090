import type { CoreOpTable } from '../../op-names.js';
import type { PadAttrs, PadBackwardAttrs } from '../../ops/pad.js';
import type { AxisMaps } from '../axis-maps.js';
import { gatherByMaps, scatterAddByMaps } from '../axis-maps.js';
import { contiguousStrides } from '../strided.js';
import type { CpuKernel } from '../types.js';

/** For each dim, the input coordinate each padded coordinate copies (-1: the constant). */
function padMaps(shape: readonly number[], a: PadAttrs): AxisMaps {
  return shape.map((n, d) => {
    const [before, after] = a.pads[d];
    const m = new Int32Array(Math.max(0, n + before + after));
    for (let o = 0; o < m.length; o++) {
      const i = o - before;
      if (a.mode === 'constant') m[o] = i >= 0 && i < n ? i : -1;
      else if (a.mode === 'replicate') m[o] = Math.min(Math.max(i, 0), n - 1);
      else m[o] = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    }
    return m;
  });
}

const padKernel: CpuKernel<PadAttrs> = ([x], [out], a) => {
  const fill = out.dtype === 'bool' ? (a.value !== 0 ? 1 : 0) : a.value;
  gatherByMaps(x, out, padMaps(x.shape, a), fill);
};

const padBackwardKernel: CpuKernel<PadBackwardAttrs> = ([g], [out], a) => {
  scatterAddByMaps(g, out, contiguousStrides(out.shape), padMaps(a.inputShape, a));
};

export const padKernels: CoreOpTable<CpuKernel> = { pad: padKernel, padBackward: padBackwardKernel };
