import type { Tensor } from '@tessera/core';
import { Module, type ModuleOptions } from '@tessera/nn';
import { NativeViT, type NativeViTConfig } from './native-vit.js';
import type { PatchGrid } from './patchify.js';
import { PixelShuffleProjector, type PixelShuffleProjectorOptions } from './projector.js';

export interface VisionTowerConfig extends NativeViTConfig {
  /** Width of the tokens handed to the language model. */
  outDim: number;
  /** The projector's merge factor and hidden width (see `PixelShuffleProjector`). */
  projector?: Pick<PixelShuffleProjectorOptions, 'factor' | 'hidden'>;
}

/** What the vision tower hands to a language model. */
export interface VisionTokens {
  /** Packed image tokens [Σ merged tokens, outDim], image after image, row-major within each. */
  tokens: Tensor;
  /** Each image's patch grid before merging (`mergedGrid` gives the token grid). */
  grids: readonly PatchGrid[];
  /** Tokens per image. */
  counts: number[];
}

/**
 * The vision side of a Kimi-VL-style model: `NativeViT` encodes images at their native sizes,
 * packed into one sequence, and `PixelShuffleProjector` merges each 2×2 block of patches into one
 * token at the language model's width. Registers them as `vit` and `projector`.
 */
export class VisionTower extends Module {
  readonly vit: NativeViT;
  readonly projector: PixelShuffleProjector;

  constructor(config: VisionTowerConfig, options: ModuleOptions = {}) {
    super();
    const { outDim, projector, ...vit } = config;
    this.vit = this.register('vit', new NativeViT(vit, options));
    this.projector = this.register(
      'projector',
      new PixelShuffleProjector(vit.dim, outDim, { ...projector, ...options }),
    );
  }

  /** Images [C, Hᵢ, Wᵢ] of any sizes → their tokens for the language model. */
  forward(images: readonly Tensor[]): VisionTokens {
    const encoded = this.vit.forward(images);
    return {
      tokens: this.projector.forward(encoded.features, encoded.grids),
      grids: encoded.grids,
      counts: this.projector.tokenCounts(encoded.grids),
    };
  }
}
