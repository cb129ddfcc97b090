import type { AxisAttrs } from '../../op.js';
import type { CoreOpTable } from '../../op-names.js';
import { forEachLane, lanesOf } from '../lanes.js';
import type { CpuKernel } from '../types.js';

/**
 * softmax(x)ᵢ = exp(xᵢ − m) / Σ exp(x − m) and logSoftmax(x)ᵢ = xᵢ − m − log Σ exp(x − m) per
 * lane, m the lane max. A lane of −inf gives NaN (0/0), as in PyTorch.
 */
function softmaxKernel(logOut: boolean): CpuKernel<AxisAttrs> {
  return ([x], [out], { axis }) => {
    const lanes = lanesOf(x, x.shape.length === 0 ? [] : [axis]);
    const dst = out.data;
    const e = new Float64Array(lanes.inner);
    forEachLane(x, lanes, (lane, o) => {
      const base = lanes.outOuter[o];
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < lane.length; k++) if (lane[k] > m || Number.isNaN(lane[k])) m = lane[k];
      let s = 0;
      for (let k = 0; k < lane.length; k++) {
        e[k] = Math.exp(lane[k] - m);
        s += e[k];
      }
      const logS = Math.log(s);
      for (let k = 0; k < lane.length; k++) {
        dst[base + lanes.outInner[k]] = logOut ? lane[k] - m - logS : e[k] / s;
      }
    });
  };
}

export const softmaxKernels: CoreOpTable<CpuKernel> = {
  softmax: softmaxKernel(false),
  logSoftmax: softmaxKernel(true),
};
