import type { Rng } from '@tessera/core/rng';
import type { TabularEnv } from './env.js';
import { type Policy, sampleAction } from './policy.js';

/** s₀, a₀, r₁, s₁, a₁, r₂, …: `rewards[t]` is the reward r_{t+1} received after taking `actions[t]` in `states[t]`. */
export interface Episode {
  states: Int32Array;
  actions: Int32Array;
  rewards: Float64Array;
}

export interface EpisodeOptions {
  /** s₀; when absent the environment chooses. */
  startState?: number;
  /** a₀; when absent it is drawn from the policy, as every later action is. */
  startAction?: number;
  /** At most this many steps; the episode also ends if the environment terminates or truncates it. */
  length: number;
}

/** Runs one episode of `policy` in `env`, drawing actions with `rng`. */
export function generateEpisode(env: TabularEnv, policy: Policy, rng: Rng, options: EpisodeOptions): Episode {
  const { startState, startAction, length } = options;
  checkPositiveInteger(length, 'generateEpisode', 'length');
  if (startAction !== undefined && !env.actionSpace.contains(startAction)) {
    throw new Error(
      `generateEpisode: startAction must be an integer in [0, ${env.actionSpace.n}), got ${startAction}`,
    );
  }
  const states = new Int32Array(length);
  const actions = new Int32Array(length);
  const rewards = new Float64Array(length);
  let s = env.reset(startState === undefined ? {} : { options: { startState } }).observation;
  let t = 0;
  while (t < length) {
    const a = t === 0 && startAction !== undefined ? startAction : sampleAction(policy, s, rng);
    const step = env.step(a);
    states[t] = s;
    actions[t] = a;
    rewards[t] = step.reward;
    s = step.observation;
    t++;
    if (step.terminated || step.truncated) break;
  }
  return { states: states.subarray(0, t), actions: actions.subarray(0, t), rewards: rewards.subarray(0, t) };
}

/** Discounted returns g_t = r_{t+1} + γ g_{t+1} for every step of an episode, computed backwards. */
export function discountedReturns(rewards: ArrayLike<number>, gamma: number): Float64Array {
  const g = new Float64Array(rewards.length);
  let acc = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    acc = rewards[t] + gamma * acc;
    g[t] = acc;
  }
  return g;
}

export function checkPositiveInteger(value: number, caller: string, name: string): void {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new Error(`${caller}: ${name} must be a positive integer, got ${value}`);
  }
}

/** Throws unless `policy` has the environment's numbers of states and actions. */
export function checkPolicyFitsEnv(env: TabularEnv, policy: Policy, caller: string): void {
  if (policy.nS !== env.observationSpace.n || policy.nA !== env.actionSpace.n) {
    throw new Error(
      `${caller}: policy is ${policy.nS}x${policy.nA} but the environment has ${env.observationSpace.n} states and ${env.actionSpace.n} actions`,
    );
  }
}
