import { type AttentionStrategy, MultiHeadAttention, type Position2d } from '@tessera/attention';
import { concat, fmtShape, type Tensor, TesseraError } from '@tessera/core';
import { LayerNorm, Linear, MLP, Module, type ModuleOptions, normal } from '@tessera/nn';
import { interpolatePositionsPacked } from './interpolate-positions.js';
import { type PatchGrid, patchGrid, patchify } from './patchify.js';

export interface NativeViTConfig {
  /** Image channels (3 for RGB). */
  channels: number;
  /** Patch side in pixels (MoonViT: 14). */
  patch: number;
  /** Encoder width. */
  dim: number;
  layers: number;
  heads: number;
  /** Hidden width of each block's GELU MLP (default 4·dim). */
  mlpHidden?: number;
  /** The grid of the learned absolute position table, interpolated to every image's grid. */
  baseGrid: PatchGrid;
  /** Frequency base of the 2-D rotary embedding (default 10000). */
  rotaryBase?: number;
  /** Attention kernel (default 'auto': flash where the device has it). */
  strategy?: AttentionStrategy;
}

/** A batch of images packed into one sequence of patches (NaViT). */
export interface PackedImages {
  /** [Σ rows·cols, C·p·p]: every image's patches, image after image. */
  patches: Tensor;
  /** Where each image's patches start and end: [0, n₀, n₀ + n₁, …]. */
  cuSeqlens: number[];
  /** Each image's patch grid. */
  grids: PatchGrid[];
  /** (row, column) of every patch inside its own image, for the 2-D rotary embedding. */
  positions: Position2d[];
}

/**
 * Packs images [C, Hᵢ, Wᵢ] of any sizes into one patch sequence at their native resolution
 * (sizes that are not multiples of the patch are zero-padded at the bottom and right; see
 * `patchGrid`).
 */
export function packImages(images: readonly Tensor[], patch: number): PackedImages {
  if (images.length === 0) throw new TesseraError('packImages', 'needs at least one image');
  const channels = images[0].shape[0];
  const grids: PatchGrid[] = [];
  const positions: Position2d[] = [];
  const cuSeqlens = [0];
  const parts = images.map((image, i) => {
    if (image.rank !== 3 || image.shape[0] !== channels) {
      throw new TesseraError(
        'packImages',
        `image ${i} must be [${channels}, height, width] like image 0, got ${fmtShape(image.shape)}`,
      );
    }
    const grid = patchGrid(image.shape[1], image.shape[2], patch);
    grids.push(grid);
    for (let r = 0; r < grid.rows; r++) for (let c = 0; c < grid.cols; c++) positions.push([r, c]);
    cuSeqlens.push(cuSeqlens[i] + grid.rows * grid.cols);
    return patchify(image, patch);
  });
  return { patches: parts.length === 1 ? parts[0] : concat(parts, 0), cuSeqlens, grids, positions };
}

/** Splits packed rows [Σ nᵢ, D] back into one [nᵢ, D] tensor per image (views). */
export function unpackImages(features: Tensor, cuSeqlens: readonly number[]): Tensor[] {
  const total = cuSeqlens[cuSeqlens.length - 1];
  if (features.rank !== 2 || features.shape[0] !== total) {
    throw new TesseraError(
      'unpackImages',
      `features must be [${total} (the last cuSeqlens entry), dim], got ${fmtShape(features.shape)}`,
    );
  }
  return cuSeqlens.slice(1).map((end, i) => features.slice(0, cuSeqlens[i], end));
}

/** One pre-norm encoder block: x + attn(norm(x)) with 2-D rotary and varlen attention, then x + mlp(norm(x)). */
export class ViTBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly mlp: MLP;

  constructor(config: NativeViTConfig, options: ModuleOptions = {}) {
    super();
    const { dim } = config;
    this.norm1 = this.register('norm1', new LayerNorm(dim, options));
    this.attn = this.register(
      'attn',
      new MultiHeadAttention(dim, {
        ...options,
        heads: config.heads,
        rotary: { axes: 2, base: config.rotaryBase },
        strategy: config.strategy,
        bias: true,
      }),
    );
    this.norm2 = this.register('norm2', new LayerNorm(dim, options));
    this.mlp = this.register(
      'mlp',
      new MLP([dim, config.mlpHidden ?? 4 * dim, dim], { ...options, activation: 'gelu' }),
    );
  }

  /** x [1, Σ nᵢ, dim]: packed images; each attends only within [cuSeqlens[i], cuSeqlens[i + 1]). */
  forward(x: Tensor, packed: { positions: readonly Position2d[]; cuSeqlens: readonly number[] }): Tensor {
    const h = x.add(
      this.attn.forward(this.norm1.forward(x), { positions: packed.positions, cuSeqlens: packed.cuSeqlens }),
    );
    return h.add(this.mlp.forward(this.norm2.forward(h)));
  }
}

/** What the encoder returns: packed features and where each image lies in them. */
export interface EncodedImages {
  /** [Σ rows·cols, dim]. */
  features: Tensor;
  cuSeqlens: number[];
  grids: PatchGrid[];
}

/**
 * A native-resolution vision transformer in the manner of Kimi-VL's MoonViT: each image is cut
 * into p×p patches at its own size (no resizing), linearly embedded, given learned absolute
 * positions bilinearly interpolated from a `baseGrid` table, and packed with the other images into
 * one sequence (NaViT) whose attention is block-diagonal through `cuSeqlens` (varlen flash
 * attention: no image attends to another); inside attention, 2-D rotary embeddings turn half of
 * each head by the patch row and half by its column.
 */
export class NativeViT extends Module {
  readonly config: Readonly<NativeViTConfig>;
  readonly patchEmbed: Linear;
  readonly positionTable: Tensor;
  readonly blocks: ViTBlock[];
  readonly norm: LayerNorm;

  constructor(config: NativeViTConfig, options: ModuleOptions = {}) {
    super();
    const { channels, patch, dim, layers, heads, baseGrid } = config;
    const ints = [channels, patch, dim, layers, heads, baseGrid.rows, baseGrid.cols];
    if (!ints.every((n) => Number.isInteger(n) && n > 0) || dim % heads !== 0 || (dim / heads) % 4 !== 0) {
      throw new TesseraError(
        'NativeViT',
        `channels ${channels}, patch ${patch}, dim ${dim}, layers ${layers}, heads ${heads} and base grid ${baseGrid.rows}×${baseGrid.cols} must be positive integers, with a head dim (dim/heads) divisible by 4 for 2-D rotary`,
      );
    }
    this.config = { ...config };
    const o: ModuleOptions = { dtype: options.dtype, device: options.device, context: options.context };
    this.patchEmbed = this.register('patchEmbed', new Linear(channels * patch * patch, dim, o));
    this.positionTable = this.registerParameter(
      'positions',
      normal([baseGrid.rows * baseGrid.cols, dim], 0, 0.02, o),
    );
    this.blocks = Array.from({ length: layers }, (_, i) =>
      this.register(`block${i}`, new ViTBlock(config, o)),
    );
    this.norm = this.register('norm', new LayerNorm(dim, o));
  }

  /** Packs images [C, Hᵢ, Wᵢ] (see `packImages`) and encodes them. */
  forward(images: readonly Tensor[]): EncodedImages {
    return this.encode(packImages(images, this.config.patch));
  }

  /** Encodes already packed images: features [Σ rows·cols, dim]. */
  encode(packed: PackedImages): EncodedImages {
    const expected = this.config.channels * this.config.patch ** 2;
    if (packed.patches.rank !== 2 || packed.patches.shape[1] !== expected) {
      throw new TesseraError(
        'NativeViT.encode',
        `patches must be [tokens, ${expected}] (channels·patch²), got ${fmtShape(packed.patches.shape)}`,
      );
    }
    const pos = interpolatePositionsPacked(this.positionTable, this.config.baseGrid, packed.grids);
    let x = this.patchEmbed.forward(packed.patches).add(pos);
    x = x.unsqueeze(0);
    for (const block of this.blocks) x = block.forward(x, packed);
    return { features: this.norm.forward(x).squeeze(0), cuSeqlens: packed.cuSeqlens, grids: packed.grids };
  }
}
