import { Rng } from '@tessera/core/rng';
import { Box, type ResetOptions, type ResetResult, type StepResult } from '@tessera/rl';
import type { ContinuousEnv } from './td3.js';

/**
 * The tests' one-step continuous bandit: the observation is a context x ~ U[−1, 1], the action a ∈ [−2, 2],
 * the reward −(a − x)², and every episode ends (terminated) after its one step. The best action is a = x.
 */
export class ContextBandit implements ContinuousEnv {
  readonly observationSpace = new Box([-1], [1]);
  readonly actionSpace = new Box([-2], [2]);
  private rng = new Rng(0);
  private x = 0;

  reset(options: ResetOptions<object> = {}): ResetResult<Float64Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    this.x = this.rng.uniform(-1, 1);
    return { observation: Float64Array.of(this.x), info: {} };
  }

  step(action: Float64Array): StepResult<Float64Array> {
    const a = Math.min(Math.max(action[0], -2), 2);
    return {
      observation: Float64Array.of(this.x),
      reward: -((a - this.x) ** 2),
      terminated: true,
      truncated: false,
      info: {},
    };
  }
}
