export {
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
} from './functional/binary-cross-entropy.js';
export {
  type CrossEntropyOptions,
  crossEntropy,
  type NllLossOptions,
  nllLoss,
} from './functional/cross-entropy.js';
export { dropout } from './functional/dropout.js';
export { type KlDivOptions, klDiv } from './functional/kl-div.js';
export { linear } from './functional/linear.js';
export { mseLoss } from './functional/mse-loss.js';
export { NORM_OPS, type NormAttrs, type NormKind } from './functional/norm-op.js';
export { layerNorm, rmsNorm } from './functional/normalization.js';
export type { Reduction } from './functional/reduction.js';
export { zLoss } from './functional/z-loss.js';
export {
  calculateGain,
  type FanMode,
  type FanOptions,
  fans,
  type InitOptions,
  type KaimingOptions,
  kaimingNormal,
  kaimingUniform,
  type Nonlinearity,
  normal,
  truncatedNormal,
  uniform,
  xavierNormal,
  xavierUniform,
} from './init.js';
export { Flatten, GELU, Identity, ReLU, Sigmoid, SiLU, Softmax, Tanh } from './layers/activations.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batch-norm.js';
export { type Layer, ModuleList, Sequential } from './layers/containers.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { Dropout } from './layers/dropout.js';
export { Embedding } from './layers/embedding.js';
export { type Activation, MLP, type MLPOptions, SwiGLU } from './layers/feed-forward.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { MaskedLinear } from './layers/masked-linear.js';
export { LayerNorm, type LayerNormOptions, RMSNorm, type RMSNormOptions } from './layers/normalization.js';
export { AvgPool2d, MaxPool2d } from './layers/pooling.js';
export { type LoadStateDictOptions, Module, type ModuleOptions } from './module.js';
export {
  type DeserializeOptions,
  deserialize,
  parseHeader,
  readMetadata,
  type SafetensorsEntry,
  type SafetensorsHeader,
  serialize,
  serializeAsync,
  type TensorMap,
} from './safetensors/safetensors.js';
