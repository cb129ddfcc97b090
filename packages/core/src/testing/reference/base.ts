/**
 * The naive f64 reference that the conformance suite compares every backend against. It is
 * written apart from the kernels on purpose: plain index arithmetic, no strides, no sharing.
 */
export interface Ref {
  shape: number[];
  data: Float64Array;
}

export function ref(shape: readonly number[], data: ArrayLike<number>): Ref {
  return { shape: [...shape], data: Float64Array.from(data) };
}

export function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Multi-index of flat position i in a row-major shape. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Flat row-major position of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d] + idx[d];
  return p;
}

export function get(x: Ref, idx: readonly number[]): number {
  return x.data[ravel(idx, x.shape)];
}

/** NumPy broadcast of shapes, written out rule by rule. */
export function broadcastShape(...shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const v = k >= 0 ? s[k] : 1;
      if (v !== 1) {
        if (d !== 1 && d !== v)
          throw new Error(`reference: cannot broadcast ${shapes.map((x) => `[${x}]`).join(' ')}`);
        d = v;
      }
    }
    out.push(d);
  }
  return out;
}

/** Value of x at an index of the broadcast output shape. */
export function getBroadcast(x: Ref, outIdx: readonly number[]): number {
  const lead = outIdx.length - x.shape.length;
  const idx = x.shape.map((d, k) => (d === 1 ? 0 : outIdx[lead + k]));
  return get(x, idx);
}

export function mapRef(x: Ref, f: (v: number) => number): Ref {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export function zipRefs(xs: Ref[], f: (...v: number[]) => number): Ref {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  const n = count(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = f(...xs.map((x) => getBroadcast(x, idx)));
  }
  return { shape, data };
}
