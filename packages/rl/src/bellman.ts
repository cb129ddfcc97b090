import { type TabularMDP, validateMdp } from './mdp.js';
import { type Policy, validatePolicy } from './policy.js';

/** Throws unless `mdp` and `policy` are valid and have the same numbers of states and actions. */
export function checkPair(mdp: TabularMDP, policy: Policy, caller: string): void {
  validateMdp(mdp, caller);
  validatePolicy(policy, caller);
  if (policy.nS !== mdp.nS || policy.nA !== mdp.nA) {
    throw new Error(
      `${caller}: policy is ${policy.nS}x${policy.nA} but the MDP has nS=${mdp.nS}, nA=${mdp.nA}`,
    );
  }
}

export function checkStateValues(mdp: TabularMDP, v: ArrayLike<number>, caller: string): void {
  if (v.length !== mdp.nS) throw new Error(`${caller}: v must have nS = ${mdp.nS} entries, got ${v.length}`);
}

/** r_π(s) = Σ_a π(a|s) r(s,a), the expected immediate reward under π. */
export function policyRewards(mdp: TabularMDP, policy: Policy): Float64Array {
  checkPair(mdp, policy, 'policyRewards');
  const { nS, nA, R } = mdp;
  const r = new Float64Array(nS);
  for (let s = 0; s < nS; s++) {
    for (let a = 0; a < nA; a++) r[s] += policy.probs[s * nA + a] * R[s * nA + a];
  }
  return r;
}

/** [P_π]_{s,s′} = Σ_a π(a|s) p(s′|s,a), the state-transition matrix under π (nS×nS, row-major). */
export function policyTransitions(mdp: TabularMDP, policy: Policy): Float64Array {
  checkPair(mdp, policy, 'policyTransitions');
  const { nS, nA, P } = mdp;
  const Ppi = new Float64Array(nS * nS);
  for (let s = 0; s < nS; s++) {
    for (let a = 0; a < nA; a++) {
      const pa = policy.probs[s * nA + a];
      if (pa === 0) continue;
      const row = (s * nA + a) * nS;
      for (let s2 = 0; s2 < nS; s2++) Ppi[s * nS + s2] += pa * P[row + s2];
    }
  }
  return Ppi;
}

/** q(s,a) = r(s,a) + γ Σ_{s′} p(s′|s,a) v(s′): action values from state values (nS×nA, row-major). */
export function actionValues(mdp: TabularMDP, v: ArrayLike<number>): Float64Array {
  validateMdp(mdp, 'actionValues');
  checkStateValues(mdp, v, 'actionValues');
  return actionValuesUnchecked(mdp, v);
}

/** `actionValues` without the input checks, for inner loops whose inputs were checked once up front. */
export function actionValuesUnchecked(mdp: TabularMDP, v: ArrayLike<number>): Float64Array {
  const { nS, nA, P, R, gamma } = mdp;
  const q = new Float64Array(nS * nA);
  for (let sa = 0; sa < nS * nA; sa++) {
    let expected = 0;
    const row = sa * nS;
    for (let s2 = 0; s2 < nS; s2++) expected += P[row + s2] * v[s2];
    q[sa] = R[sa] + gamma * expected;
  }
  return q;
}

/** v_π(s) = Σ_a π(a|s) q_π(s,a). */
export function stateValuesFromActionValues(policy: Policy, q: ArrayLike<number>): Float64Array {
  validatePolicy(policy, 'stateValuesFromActionValues');
  const { nS, nA, probs } = policy;
  if (q.length !== nS * nA) {
    throw new Error(`stateValuesFromActionValues: q must have nS·nA = ${nS * nA} entries, got ${q.length}`);
  }
  const v = new Float64Array(nS);
  for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) v[s] += probs[s * nA + a] * q[s * nA + a];
  return v;
}

/** One application of the Bellman expectation operator: (T_π v)(s) = r_π(s) + γ Σ_{s′} P_π(s,s′) v(s′). */
export function bellmanExpectationBackup(
  mdp: TabularMDP,
  policy: Policy,
  v: ArrayLike<number>,
): Float64Array {
  checkPair(mdp, policy, 'bellmanExpectationBackup');
  checkStateValues(mdp, v, 'bellmanExpectationBackup');
  return bellmanExpectationBackupUnchecked(mdp, policy, v);
}

/** `bellmanExpectationBackup` without the input checks, for loops whose inputs were checked up front. */
export function bellmanExpectationBackupUnchecked(
  mdp: TabularMDP,
  policy: Policy,
  v: ArrayLike<number>,
): Float64Array {
  const q = actionValuesUnchecked(mdp, v);
  const { nS, nA } = mdp;
  const out = new Float64Array(nS);
  for (let s = 0; s < nS; s++)
    for (let a = 0; a < nA; a++) out[s] += policy.probs[s * nA + a] * q[s * nA + a];
  return out;
}

/** One application of the Bellman optimality operator: (T v)(s) = max_a [r(s,a) + γ Σ_{s′} p(s′|s,a) v(s′)]. */
export function bellmanOptimalityBackup(mdp: TabularMDP, v: ArrayLike<number>): Float64Array {
  validateMdp(mdp, 'bellmanOptimalityBackup');
  checkStateValues(mdp, v, 'bellmanOptimalityBackup');
  return maxOverActions(actionValuesUnchecked(mdp, v), mdp.nS, mdp.nA);
}

export function maxOverActions(q: ArrayLike<number>, nS: number, nA: number): Float64Array {
  const v = new Float64Array(nS);
  for (let s = 0; s < nS; s++) {
    let best = q[s * nA];
    for (let a = 1; a < nA; a++) best = Math.max(best, q[s * nA + a]);
    v[s] = best;
  }
  return v;
}

/** ‖v − (r_π + γ P_π v)‖_∞, zero exactly when v solves the Bellman equation of π. */
export function bellmanResidual(mdp: TabularMDP, policy: Policy, v: ArrayLike<number>): number {
  const backed = bellmanExpectationBackup(mdp, policy, v);
  let worst = 0;
  for (let s = 0; s < mdp.nS; s++) worst = Math.max(worst, Math.abs(v[s] - backed[s]));
  return worst;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
