import { Rng } from '@tessera/core/rng';
import type { TabularEnv } from './env.js';
import { checkPolicyFitsEnv, checkPositiveInteger, discountedReturns, generateEpisode } from './episode.js';
import { checkGamma } from './mdp.js';
import {
  argmaxAction,
  checkEpsilon,
  deterministicPolicy,
  greedyActions,
  type Policy,
  setEpsilonGreedyRow,
  validatePolicy,
} from './policy.js';

export interface MonteCarloResult {
  /** Estimated action values, nS×nA row-major. */
  q: Float64Array;
  /** The final policy (greedy for MC Basic and Exploring Starts, ε-greedy for MC ε-greedy). */
  policy: Policy;
  /** Policy-improvement rounds (MC Basic) or episodes (the other two) that were run. */
  iterations: number;
  /** MC Basic only: whether the policy stopped changing before the cap. */
  converged: boolean;
}

interface CommonOptions {
  /** Discount rate γ in [0, 1). */
  gamma: number;
  /** Steps per episode. The grid world never terminates, so this truncates the return at γ^length. */
  episodeLength: number;
  seed: number;
}

export interface McBasicOptions extends CommonOptions {
  /** Episodes averaged per (s,a); one suffices when both environment and policy are deterministic. */
  episodesPerPair?: number;
  /** Cap on policy-improvement rounds; default 100. */
  maxIterations?: number;
  /** π₀; by default the deterministic policy taking action 0 everywhere. */
  initialPolicy?: Policy;
}

function setup(
  env: TabularEnv,
  options: CommonOptions,
  caller: string,
): { nS: number; nA: number; rng: Rng } {
  checkGamma(options.gamma, caller);
  checkPositiveInteger(options.episodeLength, caller, 'episodeLength');
  if (!Number.isSafeInteger(options.seed))
    throw new Error(`${caller}: seed must be a safe integer, got ${options.seed}`);
  const rng = new Rng(options.seed);
  // Seed the environment once, Gymnasium-style; later resets continue its generator.
  env.reset({ seed: rng.nextUint32() });
  return { nS: env.observationSpace.n, nA: env.actionSpace.n, rng };
}

/**
 * MC Basic: policy iteration with the model-based evaluation step replaced by sample averages. In round k,
 * q_{π_k}(s,a) is estimated as the mean return of episodes that start with (s,a) and then follow π_k; the
 * next policy is greedy in that estimate (keeping the current action on ties, so the loop can stop).
 */
export function mcBasic(env: TabularEnv, options: McBasicOptions): MonteCarloResult {
  const { episodesPerPair = 1, maxIterations = 100 } = options;
  checkPositiveInteger(episodesPerPair, 'mcBasic', 'episodesPerPair');
  checkPositiveInteger(maxIterations, 'mcBasic', 'maxIterations');
  const { nS, nA, rng } = setup(env, options, 'mcBasic');
  let policy = options.initialPolicy ?? deterministicPolicy(new Int32Array(nS), nA);
  validatePolicy(policy, 'mcBasic');
  checkPolicyFitsEnv(env, policy, 'mcBasic');
  let actions = greedyActions(policy);
  const q = new Float64Array(nS * nA);
  for (let k = 1; k <= maxIterations; k++) {
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        let total = 0;
        for (let i = 0; i < episodesPerPair; i++) {
          const episode = generateEpisode(env, policy, rng, {
            startState: s,
            startAction: a,
            length: options.episodeLength,
          });
          total += discountedReturns(episode.rewards, options.gamma)[0];
        }
        q[s * nA + a] = total / episodesPerPair;
      }
    }
    const next = new Int32Array(nS);
    for (let s = 0; s < nS; s++) {
      const best = argmaxAction(q, s, nA);
      // Sample noise can make tied actions differ in the last bits; keep the current one then.
      next[s] = q[s * nA + actions[s]] >= q[s * nA + best] - 1e-12 ? actions[s] : best;
    }
    const stable = next.every((a, s) => a === actions[s]) && policy.probs.every((p) => p === 0 || p === 1);
    actions = next;
    policy = deterministicPolicy(actions, nA);
    if (stable) return { q, policy, iterations: k, converged: true };
  }
  return { q, policy, iterations: maxIterations, converged: false };
}

export interface McEpisodicOptions extends CommonOptions {
  /** Number of episodes. */
  episodes: number;
  /** Average the return of only the first visit of (s,a) in an episode, or of every visit. */
  visit?: 'first' | 'every';
  /**
   * Only visits at steps t < updateSteps update q; the remaining steps just lengthen their returns. Returns
   * of late visits are truncated after episodeLength − t steps and biased towards 0 by up to γ^{T−t}·max|v|,
   * so e.g. episodeLength 150 with updateSteps 50 keeps every used return within γ^100 of the full one.
   * Default: every step (the book's algorithm).
   */
  updateSteps?: number;
  /**
   * MC ε-greedy only: begin each episode with a uniformly random action (default true) rather than one drawn
   * from the policy. Exploring Starts always does.
   */
  randomStartAction?: boolean;
}

/**
 * Shared body of MC Exploring Starts and MC ε-greedy. After each episode the returns are walked backwards,
 * g ← γ g + r_{t+1}; each counted visit updates q(s_t,a_t) to the running mean of its returns and
 * immediately improves the policy at s_t (greedy, or ε-greedy when ε > 0).
 */
function mcControl(
  env: TabularEnv,
  options: McEpisodicOptions,
  epsilon: number,
  exploringStarts: boolean,
  caller: string,
): MonteCarloResult {
  const {
    episodes,
    visit = exploringStarts ? 'first' : 'every',
    updateSteps = options.episodeLength,
  } = options;
  checkPositiveInteger(episodes, caller, 'episodes');
  if (!(Number.isInteger(updateSteps) && updateSteps >= 1 && updateSteps <= options.episodeLength)) {
    throw new Error(
      `${caller}: updateSteps must be an integer in [1, episodeLength = ${options.episodeLength}], got ${updateSteps}`,
    );
  }
  if (visit !== 'first' && visit !== 'every')
    throw new Error(`${caller}: visit must be 'first' or 'every', got ${visit}`);
  const { nS, nA, rng } = setup(env, options, caller);
  const q = new Float64Array(nS * nA);
  const counts = new Float64Array(nS * nA);
  const probs = new Float64Array(nS * nA);
  for (let s = 0; s < nS; s++) setEpsilonGreedyRow(probs, s, nA, 0, epsilon);
  const policy: Policy = { nS, nA, probs };
  const firstVisit = new Int32Array(nS * nA);
  for (let e = 0; e < episodes; e++) {
    // Exploring starts: every (s,a) must be able to begin an episode. Under ε-greedy that is no longer
    // required, but starting from a uniformly random pair still helps: states the greedy policy only passes
    // through once (the corners) would otherwise see their non-greedy actions only about ε/nA of the time.
    const startState = rng.int(nS);
    const startAction = exploringStarts || options.randomStartAction !== false ? rng.int(nA) : undefined;
    const ep = generateEpisode(env, policy, rng, { startState, startAction, length: options.episodeLength });
    const T = ep.states.length;
    if (visit === 'first') {
      firstVisit.fill(-1);
      for (let t = 0; t < T; t++) {
        const sa = ep.states[t] * nA + ep.actions[t];
        if (firstVisit[sa] < 0) firstVisit[sa] = t;
      }
    }
    let g = 0;
    for (let t = T - 1; t >= 0; t--) {
      g = options.gamma * g + ep.rewards[t];
      const s = ep.states[t];
      const sa = s * nA + ep.actions[t];
      if (t >= updateSteps || (visit === 'first' && firstVisit[sa] !== t)) continue;
      counts[sa] += 1;
      q[sa] += (g - q[sa]) / counts[sa]; // running mean: q ← q + (g − q)/n
      setEpsilonGreedyRow(probs, s, nA, argmaxAction(q, s, nA), epsilon);
    }
  }
  return { q, policy, iterations: episodes, converged: true };
}

/**
 * MC Exploring Starts: episodes start from a uniformly random (s,a) and then follow the current greedy policy;
 * returns are averaged (first-visit by default) and the policy improved state by state.
 */
export function mcExploringStarts(env: TabularEnv, options: McEpisodicOptions): MonteCarloResult {
  return mcControl(env, options, 0, true, 'mcExploringStarts');
}

export interface McEpsilonGreedyOptions extends McEpisodicOptions {
  /** Exploration rate ε in [0, 1]; each action keeps probability at least ε/nA. */
  epsilon: number;
}

/**
 * MC ε-greedy: drops exploring starts by making the policy itself explore. Converges to the best ε-greedy
 * policy, whose greedy part is optimal when ε is small. Every-visit by default.
 */
export function mcEpsilonGreedy(env: TabularEnv, options: McEpsilonGreedyOptions): MonteCarloResult {
  checkEpsilon(options.epsilon, 'mcEpsilonGreedy');
  return mcControl(env, options, options.epsilon, false, 'mcEpsilonGreedy');
}
