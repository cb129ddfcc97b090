import {
  bellmanExpectationBackupUnchecked,
  checkPair,
  checkStateValues,
  maxAbsDifference,
  policyRewards,
  policyTransitions,
} from './bellman.js';
import { solveLinearSystem } from './linear-solve.js';
import type { TabularMDP } from './mdp.js';
import type { Policy } from './policy.js';

/**
 * v_π in closed form: the Bellman equation v = r_π + γ P_π v rearranges to (I − γ P_π) v = r_π, which has a
 * unique solution for γ < 1 because P_π is row-stochastic (its spectral radius is 1).
 */
export function policyEvaluationClosedForm(mdp: TabularMDP, policy: Policy): Float64Array {
  checkPair(mdp, policy, 'policyEvaluationClosedForm');
  const r = policyRewards(mdp, policy);
  const Ppi = policyTransitions(mdp, policy);
  const { nS, gamma } = mdp;
  const A = new Float64Array(nS * nS);
  for (let i = 0; i < nS; i++) {
    for (let j = 0; j < nS; j++) A[i * nS + j] = (i === j ? 1 : 0) - gamma * Ppi[i * nS + j];
  }
  return solveLinearSystem(A, r, nS);
}

export interface PolicyEvaluationOptions {
  /** Starting guess v₀; zeros by default. */
  v0?: ArrayLike<number>;
  /** Stop once ‖v_{k+1} − v_k‖_∞ < tolerance; default 1e-12. */
  tolerance?: number;
  /** Hard cap on sweeps; default 100 000. */
  maxIterations?: number;
}

export interface PolicyEvaluationResult {
  v: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * v_π by iterating v_{k+1} = r_π + γ P_π v_k. The map is a γ-contraction in the sup norm, so the iterates
 * converge to v_π from any start; once a step is below δ the error is below γδ/(1 − γ).
 */
export function policyEvaluation(
  mdp: TabularMDP,
  policy: Policy,
  options: PolicyEvaluationOptions = {},
): PolicyEvaluationResult {
  const { tolerance = 1e-12, maxIterations = 100_000 } = options;
  checkPair(mdp, policy, 'policyEvaluation');
  checkIterationOptions(tolerance, maxIterations, 'policyEvaluation');
  let v: Float64Array = new Float64Array(mdp.nS);
  if (options.v0 !== undefined) {
    checkStateValues(mdp, options.v0, 'policyEvaluation');
    v = Float64Array.from(options.v0);
  }
  for (let k = 1; k <= maxIterations; k++) {
    const next = bellmanExpectationBackupUnchecked(mdp, policy, v);
    const delta = maxAbsDifference(next, v);
    v = next;
    if (delta < tolerance) return { v, iterations: k, converged: true };
  }
  return { v, iterations: maxIterations, converged: false };
}

export function checkIterationOptions(tolerance: number, maxIterations: number, caller: string): void {
  if (!(tolerance > 0)) throw new Error(`${caller}: tolerance must be positive, got ${tolerance}`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new Error(`${caller}: maxIterations must be a positive integer, got ${maxIterations}`);
  }
}
