import { count, get, type Ref, ravel, unravel } from './base.js';

/**
 * Reference for the indexing, joining and shape ops: one output element at a time, from the
 * definitions in PyTorch's documentation, with no strides and no shared helpers.
 */

function build(shape: number[], at: (idx: number[]) => number): Ref {
  const data = new Float64Array(count(shape));
  for (let i = 0; i < data.length; i++) data[i] = at(unravel(i, shape));
  return { shape, data };
}

export function refConcat(xs: Ref[], axis: number): Ref {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((a, x) => a + x.shape[axis], 0);
  return build(shape, (idx) => {
    let p = idx[axis];
    for (const x of xs) {
      if (p < x.shape[axis])
        return get(
          x,
          idx.map((v, d) => (d === axis ? p : v)),
        );
      p -= x.shape[axis];
    }
    throw new Error('reference: concat position past the end');
  });
}

export function refStack(xs: Ref[], axis: number): Ref {
  const shape = [...xs[0].shape];
  shape.splice(axis, 0, xs.length);
  return build(shape, (idx) =>
    get(
      xs[idx[axis]],
      idx.filter((_, d) => d !== axis),
    ),
  );
}

/** x[start:end:step] along axis, bounds already resolved. */
export function refSlice(x: Ref, axis: number, start: number, end: number, step = 1): Ref {
  const shape = [...x.shape];
  shape[axis] = Math.max(0, Math.ceil((end - start) / step));
  return build(shape, (idx) =>
    get(
      x,
      idx.map((v, d) => (d === axis ? start + v * step : v)),
    ),
  );
}

export function refSliceScatter(
  base: Ref,
  src: Ref,
  axis: number,
  start: number,
  end: number,
  step: number,
): Ref {
  return build([...base.shape], (idx) => {
    const p = idx[axis];
    const inSlice = p >= start && p < end && (p - start) % step === 0;
    return inSlice
      ? get(
          src,
          idx.map((v, d) => (d === axis ? (p - start) / step : v)),
        )
      : get(base, idx);
  });
}

export function refGather(x: Ref, axis: number, index: Ref): Ref {
  return build([...index.shape], (idx) =>
    get(
      x,
      idx.map((v, d) => (d === axis ? get(index, idx) : v)),
    ),
  );
}

/** numpy.take_along_axis with broadcasting outside axis. */
export function refTakeAlongAxis(x: Ref, index: Ref, axis: number): Ref {
  const shape = x.shape.map((d, k) => (k === axis ? index.shape[k] : Math.max(d, index.shape[k])));
  return build(shape, (idx) => {
    const i = get(
      index,
      idx.map((v, d) => (index.shape[d] === 1 ? 0 : v)),
    );
    return get(
      x,
      idx.map((v, d) => (d === axis ? i : x.shape[d] === 1 ? 0 : v)),
    );
  });
}

export function refIndexSelect(x: Ref, axis: number, index: Ref): Ref {
  const shape = [...x.shape];
  shape[axis] = index.data.length;
  return build(shape, (idx) =>
    get(
      x,
      idx.map((v, d) => (d === axis ? index.data[v] : v)),
    ),
  );
}

export function refScatterAdd(x: Ref, axis: number, index: Ref, src: Ref, asBool = false): Ref {
  const data = Float64Array.from(x.data);
  for (let i = 0; i < count(index.shape); i++) {
    const idx = unravel(i, index.shape);
    const to = idx.map((v, d) => (d === axis ? index.data[i] : v));
    const p = ravel(to, x.shape);
    data[p] += get(src, idx);
    if (asBool) data[p] = data[p] !== 0 ? 1 : 0;
  }
  return { shape: [...x.shape], data };
}

export function refOneHot(indices: Ref, numClasses: number): Ref {
  return build([...indices.shape, numClasses], (idx) =>
    get(indices, idx.slice(0, -1)) === idx[idx.length - 1] ? 1 : 0,
  );
}

export type RefPadMode = 'constant' | 'reflect' | 'replicate';

/** Input coordinate an output coordinate of a padded dim copies, or null for the fill. */
function padSource(o: number, n: number, before: number, mode: RefPadMode): number | null {
  const i = o - before;
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return null;
  if (mode === 'replicate') return i < 0 ? 0 : n - 1;
  // Reflect about the edge element, which is not repeated.
  return i < 0 ? -i : n - 1 - (i - (n - 1));
}

export function refPad(x: Ref, pads: [number, number][], mode: RefPadMode, value: number): Ref {
  const shape = x.shape.map((n, d) => n + pads[d][0] + pads[d][1]);
  return build(shape, (idx) => {
    const src: number[] = [];
    for (let d = 0; d < idx.length; d++) {
      const s = padSource(idx[d], x.shape[d], pads[d][0], mode);
      if (s === null) return value;
      src.push(s);
    }
    return get(x, src);
  });
}

/** Sum of the gradient over every output element copied from each input element. */
export function refPadBackward(
  g: Ref,
  inputShape: number[],
  pads: [number, number][],
  mode: RefPadMode,
): Ref {
  const data = new Float64Array(count(inputShape));
  for (let i = 0; i < g.data.length; i++) {
    const idx = unravel(i, g.shape);
    const src = idx.map((o, d) => padSource(o, inputShape[d], pads[d][0], mode));
    if (src.every((s) => s !== null)) data[ravel(src as number[], inputShape)] += g.data[i];
  }
  return { shape: [...inputShape], data };
}

export function refTriangle(x: Ref, k: number, lower: boolean): Ref {
  const r = x.shape.length;
  return build([...x.shape], (idx) => {
    const diff = idx[r - 1] - idx[r - 2];
    return (lower ? diff <= k : diff >= k) ? get(x, idx) : 0;
  });
}

/** torch.Tensor.repeat; reps may be longer than x's rank. */
export function refRepeat(x: Ref, reps: number[]): Ref {
  const lead = reps.length - x.shape.length;
  const xs = [...new Array<number>(lead).fill(1), ...x.shape];
  const shape = xs.map((d, k) => d * reps[k]);
  return build(shape, (idx) =>
    get(
      x,
      idx.slice(lead).map((v, k) => v % x.shape[k]),
    ),
  );
}

export function refFlip(x: Ref, axes: number[]): Ref {
  return build([...x.shape], (idx) =>
    get(
      x,
      idx.map((v, d) => (axes.includes(d) ? x.shape[d] - 1 - v : v)),
    ),
  );
}
