import { actionValuesUnchecked, maxAbsDifference } from './bellman.js';
import { type TabularMDP, validateMdp } from './mdp.js';
import { argmaxAction, deterministicPolicy, greedyActions, type Policy, validatePolicy } from './policy.js';
import { checkIterationOptions, policyEvaluation, policyEvaluationClosedForm } from './policy-evaluation.js';
import type { OptimalControlResult } from './value-iteration.js';

export interface PolicyIterationOptions {
  /** π₀; by default the deterministic policy taking action 0 everywhere. */
  initialPolicy?: Policy;
  /** How each policy is evaluated: solving the linear system (default) or iterating to `tolerance`. */
  evaluation?: 'closed-form' | 'iterative';
  /** Tolerance of iterative evaluation; default 1e-12. */
  tolerance?: number;
  /** Hard cap on improvement steps; default 1 000. */
  maxIterations?: number;
}

/**
 * Policy improvement: π_{k+1}(s) = argmax_a q_{π_k}(s,a). When `current` is given, its action is kept if it is
 * within `tieTolerance` of the maximum, so that policy iteration stops instead of cycling among tied actions.
 */
export function policyImprovement(
  mdp: TabularMDP,
  v: ArrayLike<number>,
  current?: Int32Array,
  tieTolerance = 1e-12,
): { policy: Policy; actions: Int32Array; q: Float64Array } {
  const { nS, nA } = mdp;
  const q = actionValuesUnchecked(mdp, v);
  const actions = new Int32Array(nS);
  for (let s = 0; s < nS; s++) {
    const best = argmaxAction(q, s, nA);
    const keep = current !== undefined && q[s * nA + current[s]] >= q[s * nA + best] - tieTolerance;
    actions[s] = keep ? current[s] : best;
  }
  return { policy: deterministicPolicy(actions, nA), actions, q };
}

/**
 * Policy iteration: alternate policy evaluation v_{π_k} (solve v = r_π + γ P_π v) and greedy improvement.
 * Each improvement makes v_π no smaller in any state, and there are finitely many deterministic policies, so
 * it stops at an optimal policy after finitely many steps.
 */
export function policyIteration(mdp: TabularMDP, options: PolicyIterationOptions = {}): OptimalControlResult {
  const { evaluation = 'closed-form', tolerance = 1e-12, maxIterations = 1_000 } = options;
  validateMdp(mdp, 'policyIteration');
  checkIterationOptions(tolerance, maxIterations, 'policyIteration');
  if (evaluation !== 'closed-form' && evaluation !== 'iterative') {
    throw new Error(`policyIteration: evaluation must be 'closed-form' or 'iterative', got ${evaluation}`);
  }
  let policy = options.initialPolicy ?? deterministicPolicy(new Int32Array(mdp.nS), mdp.nA);
  validatePolicy(policy, 'policyIteration');
  if (policy.nS !== mdp.nS || policy.nA !== mdp.nA) {
    throw new Error(
      `policyIteration: initialPolicy is ${policy.nS}x${policy.nA}, MDP is ${mdp.nS}x${mdp.nA}`,
    );
  }
  const evaluate = (pi: Policy): Float64Array =>
    evaluation === 'closed-form'
      ? policyEvaluationClosedForm(mdp, pi)
      : policyEvaluation(mdp, pi, { tolerance }).v;
  let actions = greedyActions(policy);
  let v = evaluate(policy);
  const deltas: number[] = [];
  for (let k = 1; k <= maxIterations; k++) {
    const improved = policyImprovement(mdp, v, actions);
    const stable = improved.actions.every((a, s) => a === actions[s]) && isDeterministic(policy);
    if (stable) return { v, q: improved.q, policy, iterations: k, converged: true, deltas };
    policy = improved.policy;
    actions = improved.actions;
    const next = evaluate(policy);
    deltas.push(maxAbsDifference(next, v));
    v = next;
  }
  const q = actionValuesUnchecked(mdp, v);
  return { v, q, policy, iterations: maxIterations, converged: false, deltas };
}

function isDeterministic(policy: Policy): boolean {
  return policy.probs.every((p) => p === 0 || p === 1);
}
