import type { TabularEnv } from './env.js';
import { argmaxAction, checkEpsilon, type Policy, sampleAction, setEpsilonGreedyRow } from './policy.js';
import { checkTdOptions, episodeStart, type TdOptions } from './td-learning.js';

export interface TdControlOptions extends TdOptions {
  /** Exploration rate ε of the ε-greedy policy, or a schedule of it by episode index. */
  epsilon: number | ((episode: number) => number);
}

export interface TdControlResult {
  /** Learned action values, nS×nA row-major. */
  q: Float64Array;
  /** The ε-greedy policy of q with the final ε. */
  policy: Policy;
  /** Undiscounted sum of rewards of each episode, for learning curves. */
  episodeRewards: Float64Array;
}

export function epsilonAt(epsilon: TdControlOptions['epsilon'], episode: number, caller: string): number {
  const e = typeof epsilon === 'number' ? epsilon : epsilon(episode);
  checkEpsilon(e, caller);
  return e;
}

/**
 * Sarsa: TD learning of action values under the ε-greedy policy it is improving. After each
 * (s_t, a_t, r_{t+1}, s_{t+1}, a_{t+1}), q(s_t,a_t) ← q(s_t,a_t) − α [q(s_t,a_t) − (r_{t+1} + γ q(s_{t+1},a_{t+1}))],
 * and π(·|s_t) becomes ε-greedy in the new q.
 */
export function sarsa(env: TabularEnv, options: TdControlOptions): TdControlResult {
  const rng = checkTdOptions(env, options, 'sarsa');
  epsilonAt(options.epsilon, 0, 'sarsa');
  const nS = env.observationSpace.n;
  const nA = env.actionSpace.n;
  const { gamma, alpha } = options;
  const q = new Float64Array(nS * nA);
  const probs = new Float64Array(nS * nA);
  const policy: Policy = { nS, nA, probs };
  const episodeRewards = new Float64Array(options.episodes);
  let epsilon = 0;
  for (let e = 0; e < options.episodes; e++) {
    epsilon = epsilonAt(options.epsilon, e, 'sarsa');
    for (let s = 0; s < nS; s++) setEpsilonGreedyRow(probs, s, nA, argmaxAction(q, s, nA), epsilon);
    let s = episodeStart(env, rng, options.startState);
    let a = sampleAction(policy, s, rng);
    for (let t = 0; t < options.episodeLength; t++) {
      const step = env.step(a);
      episodeRewards[e] += step.reward;
      const s2 = step.observation;
      const a2 = sampleAction(policy, s2, rng);
      const target = step.reward + (step.terminated ? 0 : gamma * q[s2 * nA + a2]);
      q[s * nA + a] -= alpha * (q[s * nA + a] - target);
      setEpsilonGreedyRow(probs, s, nA, argmaxAction(q, s, nA), epsilon);
      s = s2;
      a = a2;
      if (step.terminated || step.truncated) break;
    }
  }
  return { q, policy, episodeRewards };
}
