export {
  type ActivationBytes,
  type ActivationConfig,
  activationBytesPerLayer,
  type Recompute,
} from './activations.js';
export {
  type DecoderActivationOptions,
  type DecoderActivations,
  decoderActivations,
  type EagerActivations,
  type LayerActivations,
  type LayerSpec,
  type SequentialActivations,
  type SequentialOptions,
  sequentialActivations,
} from './eager.js';
export { type HasParameters, type ModelStateBytes, modelStateBytes } from './module.js';
export { type PlanRow, planTraining, type TrainingPlan, type TrainingPlanOptions } from './plan.js';
export {
  type BytesPerParameter,
  bytesPerParameter,
  OPTIMIZER_KINDS,
  type OptimizerKind,
  PRECISIONS,
  type Precision,
} from './state.js';
export {
  countDecoderParameters,
  type DecoderConfig,
  type DecoderParameters,
  type MoeConfig,
} from './transformer.js';
export { type RankBytes, type ZeroStage, zeroBytesPerRank } from './zero.js';
