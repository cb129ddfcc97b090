import type { Rng } from '@tessera/core/rng';

/**
 * A stochastic policy π(a|s) as an nS×nA table, row-major: `probs[s·nA + a]`. A deterministic policy is the
 * special case with a single 1 in each row.
 */
export interface Policy {
  readonly nS: number;
  readonly nA: number;
  readonly probs: Float64Array;
}

const ROW_SUM_TOLERANCE = 1e-9;

/** Throws unless every row of `policy` is a probability distribution over nA actions. */
export function validatePolicy(policy: Policy, caller = 'validatePolicy'): void {
  const { nS, nA, probs } = policy;
  if (!Number.isInteger(nS) || nS < 1 || !Number.isInteger(nA) || nA < 1) {
    throw new Error(`${caller}: policy nS and nA must be positive integers, got nS=${nS}, nA=${nA}`);
  }
  if (probs.length !== nS * nA) {
    throw new Error(`${caller}: policy table must have nS·nA = ${nS * nA} entries, got ${probs.length}`);
  }
  for (let s = 0; s < nS; s++) {
    let sum = 0;
    for (let a = 0; a < nA; a++) {
      const p = probs[s * nA + a];
      if (!(p >= 0 && p <= 1)) throw new Error(`${caller}: π(a=${a}|s=${s}) = ${p} is not in [0, 1]`);
      sum += p;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE)
      throw new Error(`${caller}: π(·|s=${s}) sums to ${sum}, not 1`);
  }
}

/** The deterministic policy that takes `actions[s]` in state s. */
export function deterministicPolicy(actions: ArrayLike<number>, nA: number): Policy {
  if (!Number.isInteger(nA) || nA < 1)
    throw new Error(`deterministicPolicy: nA must be a positive integer, got ${nA}`);
  const nS = actions.length;
  if (nS < 1) throw new Error('deterministicPolicy: need at least one state');
  const probs = new Float64Array(nS * nA);
  for (let s = 0; s < nS; s++) {
    const a = actions[s];
    if (!(Number.isInteger(a) && a >= 0 && a < nA)) {
      throw new Error(`deterministicPolicy: actions[${s}] = ${a} is not an integer in [0, ${nA})`);
    }
    probs[s * nA + a] = 1;
  }
  return { nS, nA, probs };
}

/** π(a|s) = 1/nA everywhere. */
export function uniformPolicy(nS: number, nA: number): Policy {
  if (!Number.isInteger(nS) || nS < 1 || !Number.isInteger(nA) || nA < 1) {
    throw new Error(`uniformPolicy: nS and nA must be positive integers, got nS=${nS}, nA=${nA}`);
  }
  return { nS, nA, probs: new Float64Array(nS * nA).fill(1 / nA) };
}

/** The index of the largest q(s,·); ties go to the lowest action index, so results are reproducible. */
export function argmaxAction(q: ArrayLike<number>, s: number, nA: number): number {
  let best = 0;
  let bestValue = q[s * nA];
  for (let a = 1; a < nA; a++) {
    if (q[s * nA + a] > bestValue) {
      bestValue = q[s * nA + a];
      best = a;
    }
  }
  return best;
}

function checkQ(q: ArrayLike<number>, nA: number, caller: string): number {
  if (!Number.isInteger(nA) || nA < 1) throw new Error(`${caller}: nA must be a positive integer, got ${nA}`);
  if (q.length === 0 || q.length % nA !== 0) {
    throw new Error(`${caller}: q has ${q.length} entries, which is not a positive multiple of nA=${nA}`);
  }
  return q.length / nA;
}

/** The greedy policy π(s) = argmax_a q(s,a). */
export function greedyPolicy(q: ArrayLike<number>, nA: number): Policy {
  const nS = checkQ(q, nA, 'greedyPolicy');
  const actions = new Int32Array(nS);
  for (let s = 0; s < nS; s++) actions[s] = argmaxAction(q, s, nA);
  return deterministicPolicy(actions, nA);
}

/**
 * The ε-greedy policy of q: the greedy action gets 1 − ε(nA − 1)/nA and every other action ε/nA, so every
 * action keeps probability at least ε/nA (ε = 0 is greedy, ε = 1 is uniform).
 */
export function epsilonGreedyPolicy(q: ArrayLike<number>, nA: number, epsilon: number): Policy {
  const nS = checkQ(q, nA, 'epsilonGreedyPolicy');
  checkEpsilon(epsilon, 'epsilonGreedyPolicy');
  const probs = new Float64Array(nS * nA);
  for (let s = 0; s < nS; s++) setEpsilonGreedyRow(probs, s, nA, argmaxAction(q, s, nA), epsilon);
  return { nS, nA, probs };
}

/** Writes the ε-greedy distribution around `greedy` into row s of a policy table. */
export function setEpsilonGreedyRow(
  probs: Float64Array,
  s: number,
  nA: number,
  greedy: number,
  epsilon: number,
): void {
  for (let a = 0; a < nA; a++) probs[s * nA + a] = epsilon / nA;
  probs[s * nA + greedy] = 1 - (epsilon * (nA - 1)) / nA;
}

export function checkEpsilon(epsilon: number, caller: string): void {
  if (!(epsilon >= 0 && epsilon <= 1))
    throw new Error(`${caller}: epsilon must be in [0, 1], got ${epsilon}`);
}

/** The most probable action in each state (lowest index on ties). */
export function greedyActions(policy: Policy): Int32Array {
  const out = new Int32Array(policy.nS);
  for (let s = 0; s < policy.nS; s++) out[s] = argmaxAction(policy.probs, s, policy.nA);
  return out;
}

/** Draws a ~ π(·|s). */
export function sampleAction(policy: Policy, s: number, rng: Rng): number {
  if (!(Number.isInteger(s) && s >= 0 && s < policy.nS)) {
    throw new Error(`sampleAction: state must be an integer in [0, ${policy.nS}), got ${s}`);
  }
  return rng.categorical(policy.probs, s * policy.nA, policy.nA);
}
