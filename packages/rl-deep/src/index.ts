export {
  type ActionNoise,
  GaussianNoise,
  type GaussianNoiseOptions,
  OrnsteinUhlenbeckNoise,
  type OrnsteinUhlenbeckNoiseOptions,
} from './action-noise.js';
export { scaleAction, unscaleAction } from './action-scaling.js';
export { DDPG, type DDPGConfig } from './ddpg.js';
export { type EvaluateOptions, evaluatePolicy } from './evaluate.js';
export { Actor, Critic, type NetworkOptions } from './networks.js';
export { ReplayBuffer, type TransitionBatch } from './replay-buffer.js';
export { softUpdate } from './soft-update.js';
export { type ContinuousEnv, type LearnProgress, type NoiseKind, TD3, type TD3Config } from './td3.js';
