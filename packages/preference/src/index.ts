export { causalLogProbs, type SequenceLogProbs, sequenceLogProbs, tokenLogProbs } from './log-probs.js';
export {
  type DpoLossOptions,
  type DpoLossType,
  dpoLoss,
  type KtoInputs,
  type KtoLoss,
  type KtoLossOptions,
  ktoLoss,
  logSigmoid,
  type PairLogProbs,
  type PreferenceLoss,
  type SimpoInputs,
  type SimpoLossOptions,
  simpoLoss,
} from './losses.js';
export { metricSeries, metricsToCsv, metricsToJson } from './metrics.js';
export {
  type CausalLM,
  type CollatedPairs,
  collatePairs,
  type PreferencePair,
  pairTensors,
} from './pairs.js';
export { frozenCopy, type PrecomputeOptions, precomputeReferenceLogProbs } from './reference.js';
export { type BradleyTerryOptions, bradleyTerryLoss, RewardHead, rewardAccuracy } from './reward-model.js';
export {
  type Optimizer,
  type PreferenceLossType,
  PreferenceTrainer,
  type PreferenceTrainerOptions,
  type StepMetrics,
  type TrainOptions,
} from './trainer.js';
