export { Rng } from '@tessera/core/rng';
export {
  actionValues,
  bellmanExpectationBackup,
  bellmanOptimalityBackup,
  bellmanResidual,
  policyRewards,
  policyTransitions,
  stateValuesFromActionValues,
} from './bellman.js';
export type {
  Env,
  Info,
  ResetOptions,
  ResetResult,
  StepResult,
  TabularEnv,
  TabularResetOptions,
} from './env.js';
export { discountedReturns, type Episode, type EpisodeOptions, generateEpisode } from './episode.js';
export {
  batchGdMean,
  type MeanEstimationOptions,
  type MeanEstimationResult,
  type MiniBatchOptions,
  miniBatchGdMean,
  type SgdOptions,
  sgdMean,
} from './gradient-descent.js';
export {
  bookGridWorld,
  type Cell,
  GRID_ACTION_ARROWS,
  GRID_ACTION_NAMES,
  GridAction,
  GridWorld,
  type GridWorldConfig,
} from './gridworld.js';
export { solveLinearSystem } from './linear-solve.js';
export { type TabularMDP, validateMdp } from './mdp.js';
export { MdpEnv, type MdpEnvOptions } from './mdp-env.js';
export {
  type McBasicOptions,
  type McEpisodicOptions,
  type McEpsilonGreedyOptions,
  type MonteCarloResult,
  mcBasic,
  mcEpsilonGreedy,
  mcExploringStarts,
} from './monte-carlo.js';
export {
  angleNormalize,
  Pendulum,
  type PendulumConfig,
  type PendulumResetOptions,
} from './pendulum.js';
export {
  argmaxAction,
  deterministicPolicy,
  epsilonGreedyPolicy,
  greedyActions,
  greedyPolicy,
  type Policy,
  sampleAction,
  uniformPolicy,
  validatePolicy,
} from './policy.js';
export {
  type PolicyEvaluationOptions,
  type PolicyEvaluationResult,
  policyEvaluation,
  policyEvaluationClosedForm,
} from './policy-evaluation.js';
export { type PolicyIterationOptions, policyImprovement, policyIteration } from './policy-iteration.js';
export { type QLearningOptions, qLearning } from './q-learning.js';
export { sarsa, type TdControlOptions, type TdControlResult } from './sarsa.js';
export { Box, Discrete, type Space } from './spaces.js';
export {
  incrementalMean,
  type RobbinsMonroOptions,
  type RobbinsMonroResult,
  robbinsMonro,
} from './stochastic-approximation.js';
export { type TdOptions, tdLearning } from './td-learning.js';
export {
  type TruncatedPolicyIterationOptions,
  truncatedPolicyIteration,
} from './truncated-policy-iteration.js';
export { type OptimalControlResult, type ValueIterationOptions, valueIteration } from './value-iteration.js';
