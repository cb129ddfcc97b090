import {
  actionValuesUnchecked,
  bellmanExpectationBackupUnchecked,
  checkStateValues,
  maxAbsDifference,
} from './bellman.js';
import { type TabularMDP, validateMdp } from './mdp.js';
import { greedyPolicy } from './policy.js';
import { checkIterationOptions } from './policy-evaluation.js';
import { policyImprovement } from './policy-iteration.js';
import type { OptimalControlResult } from './value-iteration.js';

export interface TruncatedPolicyIterationOptions {
  /** Sweeps of iterative policy evaluation per step, j_truncate; default 10. */
  evaluationSweeps?: number;
  /** Starting guess v₀; zeros by default. */
  v0?: ArrayLike<number>;
  /** Stop once ‖v_{k+1} − v_k‖_∞ < tolerance; default 1e-10. */
  tolerance?: number;
  /** Hard cap on improvement steps; default 100 000. */
  maxIterations?: number;
}

/**
 * Truncated policy iteration: π_k = greedy(v_k), then v_{k+1} = T_{π_k}^j v_k, i.e. j sweeps of
 * v ← r_π + γ P_π v started from v_k. With j = 1 this is value iteration and as j → ∞ policy iteration; for
 * every j it converges to v*.
 */
export function truncatedPolicyIteration(
  mdp: TabularMDP,
  options: TruncatedPolicyIterationOptions = {},
): OptimalControlResult {
  const { evaluationSweeps = 10, tolerance = 1e-10, maxIterations = 100_000 } = options;
  validateMdp(mdp, 'truncatedPolicyIteration');
  checkIterationOptions(tolerance, maxIterations, 'truncatedPolicyIteration');
  if (!(Number.isInteger(evaluationSweeps) && evaluationSweeps >= 1)) {
    throw new Error(
      `truncatedPolicyIteration: evaluationSweeps must be a positive integer, got ${evaluationSweeps}`,
    );
  }
  let v: Float64Array = new Float64Array(mdp.nS);
  if (options.v0 !== undefined) {
    checkStateValues(mdp, options.v0, 'truncatedPolicyIteration');
    v = Float64Array.from(options.v0);
  }
  const deltas: number[] = [];
  for (let k = 1; k <= maxIterations; k++) {
    const { policy } = policyImprovement(mdp, v);
    let next: Float64Array = v;
    for (let j = 0; j < evaluationSweeps; j++) next = bellmanExpectationBackupUnchecked(mdp, policy, next);
    const delta = maxAbsDifference(next, v);
    deltas.push(delta);
    v = next;
    if (delta < tolerance) {
      const q = actionValuesUnchecked(mdp, v);
      return { v, q, policy: greedyPolicy(q, mdp.nA), iterations: k, converged: true, deltas };
    }
  }
  const q = actionValuesUnchecked(mdp, v);
  return { v, q, policy: greedyPolicy(q, mdp.nA), iterations: maxIterations, converged: false, deltas };
}
