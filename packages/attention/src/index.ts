export { DropoutMask } from './dropout-mask.js';
export { type FlashAttrs, keyRanges } from './flash-attrs.js';
export { flashBackwardCpu } from './flash-backward.js';
export { flashForwardCpu } from './flash-forward.js';
export {
  flashAttentionDef,
  flashAttentionMaskedDef,
  flashBackwardDef,
  flashBackwardMaskedDef,
} from './flash-op.js';
export { KVCache } from './kv-cache.js';
export {
  type AttentionCall,
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
} from './multi-head-attention.js';
export { naiveAttention } from './naive-attention.js';
export {
  applyRotary,
  applyRotary2d,
  type Position2d,
  type Rotary2dOptions,
  type RotaryOptions,
} from './rotary.js';
export {
  type AttentionOptions,
  type AttentionResult,
  type AttentionStrategy,
  scaledDotProductAttention,
} from './scaled-dot-product-attention.js';
export { flashBackwardWebGPU } from './webgpu/flash-backward-wgsl.js';
export {
  chooseFlashForward,
  type FlashForwardVariant,
  flashForwardWebGPU,
} from './webgpu/flash-forward-wgsl.js';
