import { type CoreOpTable, fmtShape, TesseraError } from '@tessera/core';
import { computeType, storageType } from '../wgsl/dtype.js';
import { launchMapped, oneOf, zeroOf } from './mapped.js';
import type { GpuInput, GpuKernel } from './types.js';

interface AxisAttrs {
  axis: number;
}

/**
 * Out-of-range indices throw before any work, as on the CPU, when the index tensor came from the host
 * (its buffer keeps a copy). Indices computed on the GPU cannot be checked synchronously: kernels clamp
 * them into range so that a bad index never reads or writes outside a buffer.
 */
function checkRange(op: string, index: GpuInput, size: number, what: string): void {
  const host = index.buf.host;
  if (!host) return;
  const n = index.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const rank = index.shape.length;
  const c = new Array<number>(rank).fill(0);
  for (let e = 0; e < n; e++) {
    let at = index.offset;
    for (let d = 0; d < rank; d++) at += c[d] * index.strides[d];
    const v = host[at];
    if (!(v >= 0 && v < size)) {
      const expected = size === 0 ? 'there is nothing to index' : `expected 0..${size - 1}`;
      throw new TesseraError(op, `index ${v} is out of range for ${what} (${expected})`);
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++c[d] < index.shape[d]) break;
      c[d] = 0;
    }
  }
}

const axisOf = (x: GpuInput, axis: number) =>
  `axis ${axis} of size ${x.shape[axis]} (input ${fmtShape(x.shape)})`;

/** An index value clamped into [0, size): bad GPU-made indices stay inside the buffer. */
const clampIdx = (v: string, size: string) => `clamp(${v}, 0, max(${size} - 1, 0))`;

// gather: out[c] = x[c with c[axis] = index[c]].
const gather: GpuKernel<AxisAttrs> = (host, [x, index], [out], { axis }) => {
  checkRange('gather', index, x.shape[axis], axisOf(x, axis));
  launchMapped(
    host,
    'gather',
    [x, index],
    out,
    [],
    (s) => {
      const cs = Array.from({ length: s.rank }, (_, d) => `c${d}`);
      const j = clampIdx(`in1[${s.at(1, cs)}]`, s.dim(0, axis));
      const xc = cs.map((c, d) => (d === axis ? 'j' : c));
      return `  let j = ${j};\n  out[i] = in0[${s.at(0, xc)}];`;
    },
    `axis${axis}`,
  );
};

// indexSelect: out[c] = x[c with c[axis] = index[c[axis]]].
const indexSelect: GpuKernel<AxisAttrs> = (host, [x, index], [out], { axis }) => {
  checkRange('indexSelect', index, x.shape[axis], axisOf(x, axis));
  launchMapped(
    host,
    'indexSelect',
    [x, index],
    out,
    [],
    (s) => {
      const cs = Array.from({ length: s.rank }, (_, d) => `c${d}`);
      const j = clampIdx(`in1[${s.at(1, [`c${axis}`])}]`, s.dim(0, axis));
      const xc = cs.map((c, d) => (d === axis ? 'j' : c));
      return `  let j = ${j};\n  out[i] = in0[${s.at(0, xc)}];`;
    },
    `axis${axis}`,
  );
};

/**
 * scatterAdd without atomics, deterministically: each output element starts from x and adds, in index
 * order, every src element whose index along axis points at it: out[c] = x[c] + Σ_j [index[c|j] = c_axis]·src[c|j],
 * over j < index.shape[axis], for c inside index's shape off the axis. (Adding bools is a logical or;
 * f16 sums in f32.)
 */
const scatterAdd: GpuKernel<AxisAttrs> = (host, [x, index, src], [out], { axis }) => {
  checkRange('scatterAdd', index, x.shape[axis], axisOf(x, axis));
  const t = computeType(out.dtype);
  launchMapped(
    host,
    'scatterAdd',
    [x, index, src],
    out,
    [],
    (s) => {
      const cs = Array.from({ length: s.rank }, (_, d) => `c${d}`);
      const inside = cs
        .filter((_, d) => d !== axis)
        .map((c, k) => {
          const d = k >= axis ? k + 1 : k;
          return `${c} < ${s.dim(1, d)}`;
        });
      const jc = cs.map((c, d) => (d === axis ? 'j' : c));
      const add = out.dtype === 'bool' ? 'acc = acc | select(0u, 1u, v != 0u);' : 'acc = acc + v;';
      return `  var acc: ${t} = ${s.load(0, cs)};
  if (${inside.length > 0 ? inside.join(' && ') : 'true'}) {
    for (var j = 0; j < ${s.dim(1, axis)}; j++) {
      if (in1[${s.at(1, jc)}] == c${axis}) {
        let v = ${s.load(2, jc)};
        ${add}
      }
    }
  }
  out[i] = ${s.store('acc')};`;
    },
    `axis${axis}`,
  );
};

interface OneHotAttrs {
  numClasses: number;
}

// oneHot: out[c, k] = (indices[c] == k).
const oneHot: GpuKernel<OneHotAttrs> = (host, [indices], [out], { numClasses }) => {
  checkRange('oneHot', indices, numClasses, `${numClasses} classes`);
  const t = storageType(out.dtype);
  launchMapped(host, 'oneHot', [indices], out, [], (s) => {
    const cs = Array.from({ length: s.rank - 1 }, (_, d) => `c${d}`);
    return `  out[i] = select(${zeroOf(t)}, ${oneOf(t)}, in0[${s.at(0, cs)}] == c${s.rank - 1});`;
  });
};

export function indexingKernels(): CoreOpTable<GpuKernel> {
  return { gather, indexSelect, scatterAdd, oneHot };
}
