import type { ContinuousEnv } from './td3.js';

export interface EvaluateOptions {
  /** Episodes to run; default 10. */
  episodes?: number;
  /** Seeds the environment at the first reset, so every call sees the same start states. */
  seed?: number;
}

/** A policy's undiscounted return on each of `episodes` episodes, acting deterministically. */
export function evaluatePolicy(
  env: ContinuousEnv,
  policy: (observation: Float64Array) => Float64Array,
  options: EvaluateOptions = {},
): number[] {
  const { episodes = 10, seed } = options;
  if (!(Number.isInteger(episodes) && episodes >= 1)) {
    throw new Error(`evaluatePolicy: episodes must be a positive integer, got ${episodes}`);
  }
  const returns: number[] = [];
  for (let e = 0; e < episodes; e++) {
    let { observation } = env.reset(e === 0 && seed !== undefined ? { seed } : {});
    let total = 0;
    for (;;) {
      const step = env.step(policy(observation));
      total += step.reward;
      observation = step.observation;
      if (step.terminated || step.truncated) break;
    }
    returns.push(total);
  }
  return returns;
}
