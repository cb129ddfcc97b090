/**
 * @tessera/moe: mixture-of-experts layers. Routers (softmax and sigmoid top-k with a
 * selection-only bias), SwiGLU experts with shared experts, an `MoE` layer that drops in for a
 * dense feed-forward, dropless dispatch through grouped matrix products (or a capacity mode),
 * the Switch load-balancing loss, the router z-loss and auxiliary-loss-free balancing.
 */
export { SwiGLUExperts } from './experts.js';
export {
  type FeedForwardLayer,
  type MoEFeedForwardConfig,
  moeFeedForward,
  moeLayers,
} from './feed-forward.js';
export { groupedMatmul, groupedMatmulDef, groupedMatmulTN, groupedMatmulTNDef } from './grouped-matmul.js';
export { type LoadBalancingOptions, loadBalancingLoss, routerZLoss } from './losses.js';
export { loadMetrics, type MoEMetrics } from './metrics.js';
export { MoE, type MoEOptions } from './moe.js';
export {
  combine,
  combineDef,
  type PermuteAttrs,
  permute,
  permuteDef,
  slotDots,
  slotDotsDef,
} from './permute.js';
export {
  Router,
  type RouterOptions,
  type RouterOutput,
  SigmoidRouter,
  type SigmoidRouterOptions,
  SoftmaxRouter,
  type SoftmaxRouterOptions,
} from './router.js';
export { expertCapacity, type Routing, route, topKIndices } from './routing.js';
