import type { CoreOpTable } from '@tessera/core';
import { storageType } from '../wgsl/dtype.js';
import { launchMapped, zeroOf } from './mapped.js';
import type { GpuKernel } from './types.js';

interface TriangleAttrs {
  k: number;
}

/** tril keeps (i, j) where j − i ≤ k, triu where j − i ≥ k, in the last two dims; others become 0. */
function triangle(name: 'tril' | 'triu'): GpuKernel<TriangleAttrs> {
  return (host, [x], [out], { k }) => {
    const zero = zeroOf(storageType(out.dtype));
    launchMapped(host, name, [x], out, [k], (s) => {
      const cs = Array.from({ length: s.rank }, (_, d) => `c${d}`);
      const diff = `c${s.rank - 1} - c${s.rank - 2}`;
      const keep = name === 'tril' ? `${diff} <= ${s.extraI32(0)}` : `${diff} >= ${s.extraI32(0)}`;
      return `  out[i] = select(${zero}, in0[${s.at(0, cs)}], ${keep});`;
    });
  };
}

// repeat: out[c] = x[c mod shape].
const repeat: GpuKernel = (host, [x], [out]) => {
  launchMapped(host, 'repeat', [x], out, [], (s) => {
    const cs = Array.from({ length: s.rank }, (_, d) => `c${d} % ${s.dim(0, d)}`);
    return `  out[i] = in0[${s.at(0, cs)}];`;
  });
};

// flip: out[c] = x[c with c_d → n_d − 1 − c_d on the flipped axes].
const flip: GpuKernel<{ axes: number[] }> = (host, [x], [out], { axes }) => {
  const norm = axes.map((a) => (a < 0 ? a + x.shape.length : a));
  launchMapped(
    host,
    'flip',
    [x],
    out,
    [],
    (s) => {
      const cs = Array.from({ length: s.rank }, (_, d) =>
        norm.includes(d) ? `${s.dim(0, d)} - 1 - c${d}` : `c${d}`,
      );
      return `  out[i] = in0[${s.at(0, cs)}];`;
    },
    `axes${norm.join('_')}`,
  );
};

export function rearrangeKernels(): CoreOpTable<GpuKernel> {
  return { tril: triangle('tril'), triu: triangle('triu'), repeat, flip };
}
