import type { Tensor } from '@tessera/core';
import { type Module, type ModuleOptions, SwiGLU } from '@tessera/nn';
import { MoE, type MoEOptions } from './moe.js';

export interface MoEFeedForwardConfig extends Omit<MoEOptions, keyof ModuleOptions> {
  /** The model width. */
  dim: number;
  /** The first `denseLayers` layers keep a dense SwiGLU feed-forward (DeepSeek-V3, Moonlight: 1). Default 0. */
  denseLayers?: number;
  /** Hidden width of those dense layers (default: nn's SwiGLU default for dim). */
  denseHidden?: number;
}

/** A feed-forward layer: forward(x [..., dim]) → [..., dim]. */
export type FeedForwardLayer = Module & { forward(x: Tensor): Tensor };

/**
 * A feed-forward factory for a decoder's `feedForward` option (`@tessera/transformer`'s
 * `DecoderConfig.feedForward`): layer i gets a dense SwiGLU when i < denseLayers, else an `MoE`
 * with `config`; `options` says where the layer's tensors live.
 */
export function moeFeedForward(
  config: MoEFeedForwardConfig,
): (layer: number, options: ModuleOptions) => FeedForwardLayer {
  const { dim, denseLayers = 0, denseHidden, ...moe } = config;
  return (layer, where) =>
    layer < denseLayers ? new SwiGLU(dim, denseHidden, where) : new MoE(dim, { ...moe, ...where });
}

/** Every MoE layer inside `model` (for summing aux losses, reading metrics, updating biases). */
export function moeLayers(model: Module): MoE[] {
  return model
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is MoE => m instanceof MoE);
}
