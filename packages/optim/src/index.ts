export { Adam, type AdamHyper, AdamW } from './adam.js';
export { clipGradNorm } from './clip-grad-norm.js';
export { DynamicLossScaler, type DynamicLossScalerOptions, type Steppable } from './dynamic-loss-scaler.js';
export {
  CosineAnnealingLR,
  CosineWithWarmup,
  type HasParamGroups,
  LinearWarmupDecay,
  LRScheduler,
  OneCycle,
  type OneCycleOptions,
  StepLR,
} from './lr-scheduler.js';
export {
  type BaseHyper,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamState,
} from './optimizer.js';
export { RMSprop, type RMSpropHyper } from './rmsprop.js';
export { SGD, type SGDHyper } from './sgd.js';
