import { fail, fmtShape } from '../../errors.js';
import type { AxisAttrs } from '../../op.js';
import type { CoreOpTable } from '../../op-names.js';
import type { OneHotAttrs } from '../../ops/indexing.js';
import { contiguousStrides, forEachRow, isDense } from '../strided.js';
import type { CpuInput, CpuKernel } from '../types.js';

/** Throws on the first index outside [0, size) before the kernel writes anything. */
function checkRange(op: string, index: CpuInput, size: number, what: string): void {
  const data = index.data;
  forEachRow(index.shape, [index.strides], [index.offset], (b, s, n) => {
    for (let j = 0, i = b[0]; j < n; j++, i += s[0]) {
      const v = data[i];
      if (v >= 0 && v < size) continue;
      const expected = size === 0 ? 'there is nothing to index' : `expected 0..${size - 1}`;
      fail(op, `index ${v} is out of range for ${what} (${expected})`);
    }
  });
}

const axisOf = (x: CpuInput, axis: number) =>
  `axis ${axis} of size ${x.shape[axis]} (input ${fmtShape(x.shape)})`;

const gatherKernel: CpuKernel<AxisAttrs> = ([x, index], [out], { axis }) => {
  checkRange('gather', index, x.shape[axis], axisOf(x, axis));
  const src = x.data;
  const idx = index.data;
  const dst = out.data;
  const step = x.strides[axis];
  // x is walked with the index's shape; its stride along axis comes from the index values.
  const xs = x.strides.map((s, k) => (k === axis ? 0 : s));
  forEachRow(index.shape, [xs, index.strides], [x.offset, index.offset], (b, s, n, o) => {
    for (let j = 0, i = b[0], k = b[1]; j < n; j++, i += s[0], k += s[1]) dst[o + j] = src[i + idx[k] * step];
  });
};

const indexSelectKernel: CpuKernel<AxisAttrs> = ([x, index], [out], { axis }) => {
  checkRange('indexSelect', index, x.shape[axis], axisOf(x, axis));
  const src = x.data;
  const idx = index.data;
  const dst = out.data;
  if (axis === 0 && isDense(x, x.shape)) {
    // Whole rows (an embedding lookup): one block copy per index.
    const row = out.shape[0] === 0 ? 0 : dst.length / out.shape[0];
    for (let i = 0; i < out.shape[0]; i++) {
      const from = x.offset + idx[index.offset + i * index.strides[0]] * row;
      dst.set(src.subarray(from, from + row) as never, i * row);
    }
    return;
  }
  const step = x.strides[axis];
  const xs = x.strides.map((s, k) => (k === axis ? 0 : s));
  const is = out.shape.map((_, k) => (k === axis ? index.strides[0] : 0));
  forEachRow(out.shape, [xs, is], [x.offset, index.offset], (b, s, n, o) => {
    for (let j = 0, i = b[0], k = b[1]; j < n; j++, i += s[0], k += s[1]) dst[o + j] = src[i + idx[k] * step];
  });
};

const scatterAddKernel: CpuKernel<AxisAttrs> = ([x, index, src], [out], { axis }) => {
  checkRange('scatterAdd', index, x.shape[axis], axisOf(x, axis));
  const dst = out.data;
  const strides = contiguousStrides(out.shape);
  if (isDense(x, out.shape)) dst.set(x.data.subarray(x.offset, x.offset + dst.length) as never);
  else {
    const xd = x.data;
    forEachRow(out.shape, [x.strides], [x.offset], (b, s, n, o) => {
      for (let j = 0, i = b[0]; j < n; j++, i += s[0]) dst[o + j] = xd[i];
    });
  }
  const idx = index.data;
  const vals = src.data;
  const step = strides[axis];
  const os = strides.map((s, k) => (k === axis ? 0 : s));
  // Adding bools is a logical or.
  const asBool = out.dtype === 'bool';
  if (
    !asBool &&
    axis === 0 &&
    index.shape.length === 2 &&
    index.strides[1] === 0 &&
    isDense(src, index.shape)
  ) {
    // One index per row, broadcast along it (an embedding's gradient): add whole rows.
    const [m, row] = index.shape;
    for (let i = 0; i < m; i++) {
      const to = idx[index.offset + i * index.strides[0]] * step;
      for (let j = 0, v = src.offset + i * row; j < row; j++, v++) dst[to + j] += vals[v];
    }
    return;
  }
  forEachRow(index.shape, [os, index.strides, src.strides], [0, index.offset, src.offset], (b, s, n) => {
    for (let j = 0, o = b[0], k = b[1], v = b[2]; j < n; j++, o += s[0], k += s[1], v += s[2]) {
      const at = o + idx[k] * step;
      dst[at] = asBool ? (dst[at] !== 0 || vals[v] !== 0 ? 1 : 0) : dst[at] + vals[v];
    }
  });
};

const oneHotKernel: CpuKernel<OneHotAttrs> = ([indices], [out], { numClasses }) => {
  checkRange('oneHot', indices, numClasses, `${numClasses} classes`);
  const idx = indices.data;
  const dst = out.data;
  forEachRow(indices.shape, [indices.strides], [indices.offset], (b, s, n, o) => {
    for (let j = 0, k = b[0]; j < n; j++, k += s[0]) dst[(o + j) * numClasses + idx[k]] = 1;
  });
};

export const indexingKernels: CoreOpTable<CpuKernel> = {
  gather: gatherKernel,
  indexSelect: indexSelectKernel,
  scatterAdd: scatterAddKernel,
  oneHot: oneHotKernel,
};
