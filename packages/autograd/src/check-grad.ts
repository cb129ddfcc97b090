import { fmtShape, isFloat, Tensor, tensor, tidy, view } from '@tessera/core';
import { reversePass } from './engine.js';
import { enableAutograd } from './gradient-engine.js';
import { type Edge, edgeOf, type OpNode, releaseNode } from './node.js';
import { stateOf, withGradMode } from './state.js';

export interface CheckGradOptions {
  /** Finite-difference step (default 1e-6 for f64 inputs, 1e-3 otherwise). */
  eps?: number;
  /** Allowed |analytic − numeric| / (1 + |numeric|) (default 1e-5 for f64, 2e-2 otherwise). */
  tol?: number;
  /** Seed of the random output cotangent (default 1). */
  seed?: number;
  /** Throw a GradCheckError on a mismatch (default true); else return the report. */
  throws?: boolean;
}

export interface GradMismatch {
  input: number;
  /** Row-major element index within the input. */
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradCheckReport {
  ok: boolean;
  /** Every element outside tolerance. */
  mismatches: GradMismatch[];
  /** Largest error seen, scaled as tol is. */
  maxError: number;
  message: string;
}

export class GradCheckError extends Error {
  constructor(readonly report: GradCheckReport) {
    super(report.message);
    this.name = 'GradCheckError';
  }
}

/** Deterministic cotangent values in [−1, 1] (an xorshift generator of our own, not core's RNG). */
function cotangent(n: number, seed: number): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push((s / 2 ** 32) * 2 - 1);
  }
  return out;
}

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];

const asList = (o: Tensor | Tensor[]): Tensor[] => (Array.isArray(o) ? o : [o]);

/**
 * Compares the analytic vector–Jacobian product of f (for a random output cotangent r) with
 * central finite differences of Σ r·f(x), for every element of every floating input.
 * Integer and bool inputs are passed through untouched. Run it in f64.
 */
export async function checkGrad(
  f: Fn,
  inputs: readonly Tensor[],
  options: CheckGradOptions = {},
): Promise<GradCheckReport> {
  if (inputs.length === 0 || !(inputs[0] instanceof Tensor))
    throw new Error('checkGrad: give at least one input tensor');
  const ctx = inputs[0].ctx;
  enableAutograd(ctx);
  const wide = inputs.every((t) => !isFloat(t.dtype) || t.dtype === 'f64');
  const eps = options.eps ?? (wide ? 1e-6 : 1e-3);
  const tol = options.tol ?? (wide ? 1e-5 : 2e-2);
  const seed = options.seed ?? 1;
  const diff = inputs.map((t) => isFloat(t.dtype));

  // Analytic: one reverse pass from Σ r·f(x).
  const state = stateOf(ctx);
  const tape = new Set<OpNode>();
  state.tapes.push(tape);
  let cotangents: number[][] = [];
  let analytic: (Tensor | undefined)[];
  try {
    analytic = tidy(
      () =>
        withGradMode(ctx, true, () => {
          const leaves = inputs.map((t, i) => {
            if (!diff[i]) return t;
            const w = withGradMode(ctx, false, () => view(t, t.shape));
            w.requiresGrad = true;
            return w;
          });
          const edges = leaves.map((w, i) => (diff[i] ? edgeOf(w) : null));
          const outs = asList(f(...leaves)).filter((o) => isFloat(o.dtype));
          cotangents = outs.map((o, k) => cotangent(o.size, seed + k));
          const seeds = outs.map((o, k) =>
            tensor(cotangents[k], [...o.shape], { dtype: o.dtype, device: o.device, context: ctx }),
          );
          const traced = outs.map((o, k) => [o, seeds[k]] as const).filter(([o]) => edgeOf(o) !== null);
          const targets = edges.filter((e): e is Edge => e !== null);
          const found =
            traced.length > 0
              ? reversePass(
                  ctx,
                  traced.map(([o]) => o),
                  traced.map(([, s]) => s),
                  targets,
                  { retainGraph: false, createGraph: false },
                )
              : new Map<Edge, Tensor>();
          return edges.map((e) => (e ? found.get(e) : undefined));
        }),
      ctx,
    );
  } finally {
    state.tapes.pop();
    for (const n of tape) releaseNode(n);
  }

  // Numeric: central differences of Σ r·f(x) in f64.
  const values = await Promise.all(inputs.map(async (t) => Array.from(await t.data())));
  const objective = async (i: number, perturbed: number[]): Promise<number> => {
    const t = inputs[i];
    const moved = tensor(perturbed, [...t.shape], { dtype: t.dtype, device: t.device, context: ctx });
    const outs = withGradMode(ctx, false, () =>
      asList(f(...inputs.map((x, k) => (k === i ? moved : x)))).filter((o) => isFloat(o.dtype)),
    );
    let s = 0;
    for (const [k, o] of outs.entries()) {
      const d = await o.data();
      for (let j = 0; j < d.length; j++) s += cotangents[k][j] * d[j];
    }
    for (const o of outs) if (!inputs.includes(o)) o.dispose();
    moved.dispose();
    return s;
  };
  const mismatches: GradMismatch[] = [];
  let maxError = 0;
  try {
    for (const [i, t] of inputs.entries()) {
      if (!diff[i]) continue;
      const a = analytic[i] ? Array.from(await analytic[i]!.data()) : new Array<number>(t.size).fill(0);
      for (let j = 0; j < t.size; j++) {
        const plus = [...values[i]];
        plus[j] += eps;
        const minus = [...values[i]];
        minus[j] -= eps;
        const numeric = ((await objective(i, plus)) - (await objective(i, minus))) / (2 * eps);
        const err = Math.abs(a[j] - numeric) / (1 + Math.abs(numeric));
        if (!(err <= tol)) mismatches.push({ input: i, index: j, analytic: a[j], numeric });
        if (err > maxError || Number.isNaN(err)) maxError = err;
      }
    }
  } finally {
    for (const g of analytic) g?.dispose();
  }
  const first = mismatches[0];
  const message = first
    ? `checkGrad: input ${first.input} (shape ${fmtShape(inputs[first.input].shape)}, ${inputs[first.input].dtype}) element ${first.index}: ` +
      `analytic ${first.analytic}, numeric ${first.numeric} (${mismatches.length} mismatches, tol ${tol}, eps ${eps})`
    : `checkGrad: ok (max error ${maxError.toExponential(2)}, tol ${tol})`;
  const report: GradCheckReport = { ok: !first, mismatches, maxError, message };
  if (first && (options.throws ?? true)) throw new GradCheckError(report);
  return report;
}
