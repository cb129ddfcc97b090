import { fmtShape, type Tensor, TesseraError } from '@tessera/core';
import { LayerNorm, MLP, Module, type ModuleOptions } from '@tessera/nn';
import type { PatchGrid } from './patchify.js';
import { mergedGrid, pixelShufflePacked } from './pixel-shuffle.js';

export interface PixelShuffleProjectorOptions extends ModuleOptions {
  /** Hidden width of the 2-layer MLP (default: the output width). */
  hidden?: number;
  /** Side of the merged blocks (default 2: 2×2 patches become one token). */
  factor?: number;
}

/**
 * Kimi-VL's projector: a LayerNorm on each encoder feature, a pixel shuffle that merges every
 * f×f block of each image's patch grid into one token of f²·D features (odd grids padded with zero
 * patches at the bottom and right), and a 2-layer GELU MLP to the language model's width. An
 * H×W image with patch p gives ⌈⌈H/p⌉/f⌉·⌈⌈W/p⌉/f⌉ tokens.
 */
export class PixelShuffleProjector extends Module {
  readonly factor: number;
  readonly norm: LayerNorm;
  readonly mlp: MLP;

  constructor(
    readonly inDim: number,
    readonly outDim: number,
    options: PixelShuffleProjectorOptions = {},
  ) {
    super();
    this.factor = options.factor ?? 2;
    const o: ModuleOptions = { dtype: options.dtype, device: options.device, context: options.context };
    this.norm = this.register('norm', new LayerNorm(inDim, o));
    const merged = this.factor * this.factor * inDim;
    this.mlp = this.register(
      'mlp',
      new MLP([merged, options.hidden ?? outDim, outDim], { ...o, activation: 'gelu' }),
    );
  }

  /** Tokens per image after merging. */
  tokenCounts(grids: readonly PatchGrid[]): number[] {
    return grids.map((g) => {
      const m = mergedGrid(g, this.factor);
      return m.rows * m.cols;
    });
  }

  /** Packed encoder features [Σ rows·cols, inDim] and their grids → packed tokens [Σ merged, outDim]. */
  forward(features: Tensor, grids: readonly PatchGrid[]): Tensor {
    const total = grids.reduce((n, g) => n + g.rows * g.cols, 0);
    if (features.rank !== 2 || features.shape[0] !== total || features.shape[1] !== this.inDim) {
      throw new TesseraError(
        'PixelShuffleProjector',
        `features must be [${total} patches of the grids, ${this.inDim}], got ${fmtShape(features.shape)}`,
      );
    }
    const merged = pixelShufflePacked(this.norm.forward(features), grids, this.factor);
    return this.mlp.forward(merged);
  }
}
