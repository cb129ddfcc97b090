import { type Module, type ModuleOptions, SwiGLU } from '@tessera/nn';
import { MoE, type MoEOptions } from './moe.js';

export interface MoEFeedForwardConfig extends Omit<MoEOptions, keyof ModuleOptions> {
  /** The first `denseLayers` layers keep a dense SwiGLU feed-forward (DeepSeek-V3, Moonlight: 1). Default 0. */
  denseLayers?: number;
  /** Hidden width of those dense layers (default: the SwiGLU default for dim). */
  denseHidden?: number;
}

/**
 * A feed-forward factory for a decoder's `feedForward` option: layer i gets a dense SwiGLU when
 * i < denseLayers, else an `MoE` with `config`. `options` carries the model's dim and where its
 * tensors live.
 */
export function moeFeedForward(
  config: MoEFeedForwardConfig,
): (layer: number, options: ModuleOptions & { dim: number }) => Module {
  const { denseLayers = 0, denseHidden, ...moe } = config;
  return (layer, { dim, ...where }) =>
    layer < denseLayers ? new SwiGLU(dim, denseHidden, where) : new MoE(dim, { ...moe, ...where });
}

/** Every MoE layer inside `model` (for summing aux losses, reading metrics, updating biases). */
export function moeLayers(model: Module): MoE[] {
  return model
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is MoE => m instanceof MoE);
}
