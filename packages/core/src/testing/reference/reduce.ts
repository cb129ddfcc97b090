import { count, type Ref, ravel, unravel } from './base.js';

/** The values of x grouped by output position: each element joins the bucket of its index with the reduced axes set to 0. */
export function refReduce(x: Ref, axes: number[], keepdim: boolean, f: (values: number[]) => number): Ref {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const buckets: number[][] = Array.from({ length: count(kept) }, () => []);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v));
    buckets[ravel(idx, kept)].push(x.data[i]);
  }
  const shape = keepdim ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, data: Float64Array.from(buckets.map(f)) };
}

/** Replaces each lane along `axis` by g(lane), element for element. */
export function refAlongAxis(x: Ref, axis: number, g: (lane: number[]) => number[]): Ref {
  const out = new Float64Array(x.data.length);
  const n = x.shape[axis] ?? 1;
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    if (x.shape.length > 0 && idx[axis] !== 0) continue;
    const positions: number[] = [];
    for (let k = 0; k < n; k++) {
      const j = [...idx];
      if (x.shape.length > 0) j[axis] = k;
      positions.push(ravel(j, x.shape));
    }
    const r = g(positions.map((p) => x.data[p]));
    positions.forEach((p, k) => {
      out[p] = r[k];
    });
  }
  return { shape: [...x.shape], data: out };
}

export const refSum = (v: number[]): number => v.reduce((a, b) => a + b, 0);
export const refProd = (v: number[]): number => v.reduce((a, b) => a * b, 1);
export const refMean = (v: number[]): number => refSum(v) / v.length;
export const refMax = (v: number[]): number => (v.some(Number.isNaN) ? Number.NaN : Math.max(...v));
export const refMin = (v: number[]): number => (v.some(Number.isNaN) ? Number.NaN : Math.min(...v));

export function refArgmax(v: number[]): number {
  return v.indexOf(Math.max(...v));
}

export function refArgmin(v: number[]): number {
  return v.indexOf(Math.min(...v));
}

/** Σ(x − x̄)² / (n − correction), via the mean of squares about the mean. */
export function refVar(v: number[], correction: number): number {
  const mu = refMean(v);
  return refSum(v.map((x) => (x - mu) ** 2)) / Math.max(0, v.length - correction);
}

export function refLogsumexp(v: number[]): number {
  if (v.length === 0 || v.every((x) => x === Number.NEGATIVE_INFINITY)) return Number.NEGATIVE_INFINITY;
  const m = Math.max(...v);
  return m + Math.log(refSum(v.map((x) => Math.exp(x - m))));
}

export function refNorm(v: number[], p: number): number {
  const a = v.map(Math.abs);
  if (p === Number.POSITIVE_INFINITY) return Math.max(0, ...a);
  if (p === Number.NEGATIVE_INFINITY) return Math.min(...a);
  if (p === 0) return a.filter((x) => x !== 0).length;
  return refSum(a.map((x) => x ** p)) ** (1 / p);
}

export function refCumsum(lane: number[]): number[] {
  return lane.map((_, k) => refSum(lane.slice(0, k + 1)));
}

/** exp(xᵢ − log Σ exp x), which stays finite for large inputs. */
export function refSoftmax(lane: number[]): number[] {
  return refLogSoftmax(lane).map(Math.exp);
}

export function refLogSoftmax(lane: number[]): number[] {
  const m = Math.max(...lane);
  const lse = m + Math.log(refSum(lane.map((x) => Math.exp(x - m))));
  return lane.map((x) => x - lse);
}
