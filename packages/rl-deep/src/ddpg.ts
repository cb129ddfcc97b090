import { type ContinuousEnv, TD3, type TD3Config } from './td3.js';

export type DDPGConfig = Omit<
  TD3Config,
  'policyDelay' | 'targetPolicyNoise' | 'targetNoiseClip' | 'nCritics'
>;

/**
 * DDPG (Lillicrap et al. 2016): one critic regressed on y = r + γ(1 − d)·Q′(s′, μ′(s′)), the actor
 * ascending Q(s, μ(s)) at every step, soft target updates. It is TD3 with one critic, no target policy
 * smoothing and no policy delay, as in Stable-Baselines3.
 */
export class DDPG extends TD3 {
  constructor(env: ContinuousEnv, config: DDPGConfig = {}) {
    super(env, { ...config, policyDelay: 1, targetPolicyNoise: 0, targetNoiseClip: 0, nCritics: 1 });
  }
}
