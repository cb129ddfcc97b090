import { actionValuesUnchecked, checkStateValues, maxAbsDifference, maxOverActions } from './bellman.js';
import { type TabularMDP, validateMdp } from './mdp.js';
import { greedyPolicy, type Policy } from './policy.js';
import { checkIterationOptions } from './policy-evaluation.js';

export interface ValueIterationOptions {
  /** Starting guess v₀; zeros by default. */
  v0?: ArrayLike<number>;
  /** Stop once ‖v_{k+1} − v_k‖_∞ < tolerance; default 1e-10. */
  tolerance?: number;
  /** Hard cap on sweeps; default 100 000. */
  maxIterations?: number;
}

export interface OptimalControlResult {
  /** The final state values (v* on convergence). */
  v: Float64Array;
  /** q(s,a) = r(s,a) + γ Σ p(s′|s,a) v(s′) for the final v. */
  q: Float64Array;
  /** Greedy policy of q. */
  policy: Policy;
  iterations: number;
  converged: boolean;
  /** ‖v_{k+1} − v_k‖_∞ after each iteration, for convergence plots. */
  deltas: number[];
}

/**
 * Value iteration: v_{k+1}(s) = max_a [r(s,a) + γ Σ_{s′} p(s′|s,a) v_k(s′)], the fixed-point iteration of the
 * Bellman optimality equation. By the contraction mapping theorem it converges to v* from any v₀, and the
 * greedy policy of the limit is optimal.
 */
export function valueIteration(mdp: TabularMDP, options: ValueIterationOptions = {}): OptimalControlResult {
  const { tolerance = 1e-10, maxIterations = 100_000 } = options;
  validateMdp(mdp, 'valueIteration');
  checkIterationOptions(tolerance, maxIterations, 'valueIteration');
  let v: Float64Array = new Float64Array(mdp.nS);
  if (options.v0 !== undefined) {
    checkStateValues(mdp, options.v0, 'valueIteration');
    v = Float64Array.from(options.v0);
  }
  const deltas: number[] = [];
  let converged = false;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    const next = maxOverActions(actionValuesUnchecked(mdp, v), mdp.nS, mdp.nA);
    const delta = maxAbsDifference(next, v);
    deltas.push(delta);
    v = next;
    if (delta < tolerance) {
      converged = true;
      break;
    }
  }
  const q = actionValuesUnchecked(mdp, v);
  return { v, q, policy: greedyPolicy(q, mdp.nA), iterations, converged, deltas };
}
