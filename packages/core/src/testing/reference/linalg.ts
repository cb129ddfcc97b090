import { broadcastShape, count, getBroadcast, type Ref, unravel } from './base.js';

/** NumPy matmul by its definition: 1-D operands gain a dim that is dropped again afterwards. */
export function refMatmul(a: Ref, b: Ref): Ref {
  const A = a.shape.length === 1 ? { shape: [1, ...a.shape], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [...b.shape, 1], data: b.data } : b;
  const m = A.shape[A.shape.length - 2];
  const k = A.shape[A.shape.length - 1];
  const n = B.shape[B.shape.length - 1];
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const full = [...batch, m, n];
  const data = new Float64Array(count(full));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, full);
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    let s = 0;
    for (let p = 0; p < k; p++) s += getBroadcast(A, [...bi, i, p]) * getBroadcast(B, [...bi, p, j]);
    data[o] = s;
  }
  let shape = full;
  if (a.shape.length === 1) shape = shape.filter((_, d) => d !== full.length - 2);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data };
}
