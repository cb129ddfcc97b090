import { Rng } from '@tessera/core/rng';

/**
 * A naive f64 attention written apart from the kernels, for tests: explicit loops over the full
 * score matrix, softmax(Q Kᵀ·scale + mask) V, and its gradients from the materialized P.
 */
export interface ReferenceCase {
  b: number;
  h: number;
  hk: number;
  sq: number;
  sk: number;
  d: number;
  dv: number;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  scale: number;
  causal?: boolean;
  /** Additive bias (−∞ drops the key) for element (b, h, i, j); undefined: none. */
  bias?: (b: number, h: number, i: number, j: number) => number;
  /** Sequence id of each packed position (varlen); undefined: one sequence. */
  segment?: number[];
  /** Dropout factor for flat element ((b·h + hh)·sq + i)·sk + j; undefined: none. */
  dropout?: (e: number) => number;
}

export interface ReferenceResult {
  o: Float64Array;
  lse: Float64Array;
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

export function referenceAttention(c: ReferenceCase, dO: Float64Array): ReferenceResult {
  const { b: B, h: H, hk: HK, sq: SQ, sk: SK, d: D, dv: DV } = c;
  const o = new Float64Array(B * H * SQ * DV);
  const lse = new Float64Array(B * H * SQ);
  const dq = new Float64Array(B * H * SQ * D);
  const dk = new Float64Array(B * HK * SK * D);
  const dv = new Float64Array(B * HK * SK * DV);
  const group = H / HK;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      const qAt = (i: number, t: number) => c.q[((b * H + h) * SQ + i) * D + t];
      const kAt = (j: number, t: number) => c.k[((b * HK + g) * SK + j) * D + t];
      const vAt = (j: number, t: number) => c.v[((b * HK + g) * SK + j) * DV + t];
      for (let i = 0; i < SQ; i++) {
        const s: number[] = [];
        for (let j = 0; j < SK; j++) {
          let x = 0;
          for (let t = 0; t < D; t++) x += qAt(i, t) * kAt(j, t);
          x *= c.scale;
          if (c.bias) x += c.bias(b, h, i, j);
          if (c.causal && j > i + (SK - SQ)) x = Number.NEGATIVE_INFINITY;
          if (c.segment && c.segment[i] !== c.segment[j]) x = Number.NEGATIVE_INFINITY;
          s.push(x);
        }
        const row = (b * H + h) * SQ + i;
        const mx = Math.max(...s);
        if (mx === Number.NEGATIVE_INFINITY) {
          lse[row] = Number.NEGATIVE_INFINITY;
          continue; // o and gradients stay 0
        }
        const e = s.map((x) => Math.exp(x - mx));
        const z = e.reduce((a, x) => a + x, 0);
        const p = e.map((x) => x / z);
        lse[row] = mx + Math.log(z);
        const f = s.map((_, j) => (c.dropout ? c.dropout(row * SK + j) : 1));
        for (let t = 0; t < DV; t++) {
          let acc = 0;
          for (let j = 0; j < SK; j++) acc += p[j] * f[j] * vAt(j, t);
          o[row * DV + t] = acc;
        }
        // Gradients: dP_j = f_j·(dO·v_j); dS_j = P_j·(dP_j − Σ_k P_k dP_k).
        const dP = p.map((_, j) => {
          let x = 0;
          for (let t = 0; t < DV; t++) x += dO[row * DV + t] * vAt(j, t);
          return x * f[j];
        });
        const dot = p.reduce((a, pj, j) => a + pj * dP[j], 0);
        for (let j = 0; j < SK; j++) {
          const ds = p[j] * (dP[j] - dot) * c.scale;
          for (let t = 0; t < D; t++) {
            dq[row * D + t] += ds * kAt(j, t);
            dk[((b * HK + g) * SK + j) * D + t] += ds * qAt(i, t);
          }
          for (let t = 0; t < DV; t++) dv[((b * HK + g) * SK + j) * DV + t] += p[j] * f[j] * dO[row * DV + t];
        }
      }
    }
  }
  return { o, lse, dq, dk, dv };
}

/** Deterministic values in [−1, 1) from core's seeded `Rng` (test inputs only). */
export function testValues(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/**
 * max |a − e| / max(1e-2, max |e|): error relative to the expected tensor's scale. A tensor that
 * is 0 by the math (dQ with a single key) is compared absolutely: 1e-5 of 1e-2 is 1e-7, the f32
 * rounding of its dP − D.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let err = 0;
  let mag = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === a) continue;
    if (!Number.isFinite(e) || !Number.isFinite(a)) return Number.POSITIVE_INFINITY;
    err = Math.max(err, Math.abs(a - e));
  }
  for (let i = 0; i < expected.length; i++)
    if (Number.isFinite(expected[i])) mag = Math.max(mag, Math.abs(expected[i]));
  return err / Math.max(mag, 1e-2);
}

/** A bool padding mask [b, 1, 1, sk] keeping the first lengths[i] keys of batch element i. */
export function paddingMask(
  lengths: readonly number[],
  sk: number,
): { data: number[]; shape: number[]; bool: true } {
  return {
    data: lengths.flatMap((n) => Array.from({ length: sk }, (_, j) => (j < n ? 1 : 0))),
    shape: [lengths.length, 1, 1, sk],
    bool: true,
  };
}
