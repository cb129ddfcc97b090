import type { TabularEnv } from './env.js';
import { checkPolicyFitsEnv } from './episode.js';
import { argmaxAction, type Policy, sampleAction, setEpsilonGreedyRow, validatePolicy } from './policy.js';
import { epsilonAt, type TdControlOptions, type TdControlResult } from './sarsa.js';
import { checkTdOptions, episodeStart, type TdOptions } from './td-learning.js';

export interface QLearningOptions extends TdOptions {
  /**
   * Off-policy: a fixed behavior policy that generates the data (e.g. uniform). When absent, Q-learning runs
   * on-policy with an ε-greedy behavior policy of the current q and `epsilon` is required.
   */
  behaviorPolicy?: Policy;
  epsilon?: TdControlOptions['epsilon'];
}

/**
 * Q-learning: q(s_t,a_t) ← q(s_t,a_t) − α [q(s_t,a_t) − (r_{t+1} + γ max_a q(s_{t+1},a))], a stochastic
 * approximation of the Bellman optimality equation in action values. The target does not depend on the
 * action actually taken next, so any behavior policy that tries every (s,a) often enough will do.
 * The returned `policy` is the greedy (target) policy of q.
 */
export function qLearning(env: TabularEnv, options: QLearningOptions): TdControlResult {
  const rng = checkTdOptions(env, options, 'qLearning');
  const nS = env.observationSpace.n;
  const nA = env.actionSpace.n;
  const { behaviorPolicy, gamma, alpha } = options;
  if (behaviorPolicy !== undefined) {
    validatePolicy(behaviorPolicy, 'qLearning');
    checkPolicyFitsEnv(env, behaviorPolicy, 'qLearning');
  } else if (options.epsilon === undefined) {
    throw new Error('qLearning: give either behaviorPolicy (off-policy) or epsilon (on-policy), got neither');
  } else {
    epsilonAt(options.epsilon, 0, 'qLearning');
  }
  const q = new Float64Array(nS * nA);
  const onPolicyProbs = new Float64Array(nS * nA);
  const behavior: Policy = behaviorPolicy ?? { nS, nA, probs: onPolicyProbs };
  const episodeRewards = new Float64Array(options.episodes);
  for (let e = 0; e < options.episodes; e++) {
    const epsilon = options.epsilon === undefined ? 0 : epsilonAt(options.epsilon, e, 'qLearning');
    if (behaviorPolicy === undefined) {
      for (let s = 0; s < nS; s++) setEpsilonGreedyRow(onPolicyProbs, s, nA, argmaxAction(q, s, nA), epsilon);
    }
    let s = episodeStart(env, rng, options.startState);
    for (let t = 0; t < options.episodeLength; t++) {
      const a = sampleAction(behavior, s, rng);
      const step = env.step(a);
      episodeRewards[e] += step.reward;
      const s2 = step.observation;
      const best = q[s2 * nA + argmaxAction(q, s2, nA)];
      const target = step.reward + (step.terminated ? 0 : gamma * best);
      q[s * nA + a] -= alpha * (q[s * nA + a] - target);
      if (behaviorPolicy === undefined) {
        setEpsilonGreedyRow(onPolicyProbs, s, nA, argmaxAction(q, s, nA), epsilon);
      }
      s = s2;
      if (step.terminated || step.truncated) break;
    }
  }
  const greedy = new Float64Array(nS * nA);
  for (let s = 0; s < nS; s++) setEpsilonGreedyRow(greedy, s, nA, argmaxAction(q, s, nA), 0);
  return { q, policy: { nS, nA, probs: greedy }, episodeRewards };
}
