import { noGrad } from '@tessera/autograd';
import { type Tensor, TesseraError } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import {
  binaryCrossEntropyWithLogits,
  Conv2d,
  type Layer,
  Module,
  type ModuleOptions,
  ReLU,
  Sequential,
} from '@tessera/nn';
import { UpsampleNearest2d } from './upsample.js';
import { VectorQuantizer } from './vector-quantizer.js';

export interface VQVAEConfig {
  /** Image channels (1 for MNIST). */
  channels: number;
  /** Width of the convolutional stacks (default 32). */
  hidden?: number;
  /** Channels of the latent grid = length of a code (default 16). */
  codeDim?: number;
  /** Number of codes (default 64). */
  codebookSize?: number;
  /** Halvings of the resolution: 2 turns 28×28 into a 7×7 token grid (default 2). */
  downsamples?: number;
  /** Commitment weight β (default 0.25). */
  beta?: number;
  /** Codebook learning: `'ema'` (default) or `'loss'` (see `VectorQuantizer`). */
  update?: 'ema' | 'loss';
  /** EMA decay (default 0.99). */
  decay?: number;
}

export interface VQVAEOutput {
  /** Reconstruction logits [b, C, H, W]; pixels are their sigmoid. */
  logits: Tensor;
  /** Token grid [b, h, w] (i32). */
  indices: Tensor;
  /** Binary cross-entropy of the reconstruction against the pixels in [0, 1] (mean per pixel). */
  reconstructionLoss: Tensor;
  commitmentLoss: Tensor;
  codebookLoss: Tensor;
  /** reconstruction + commitment + codebook: what to minimize. */
  loss: Tensor;
  perplexity: Tensor;
}

/**
 * A small VQ-VAE image tokenizer. Encoder: `downsamples` × (4×4 conv, stride 2, padding 1, ReLU),
 * then a 1×1 conv to `codeDim` channels. Quantizer: `VectorQuantizer`. Decoder: 3×3 conv to
 * `hidden`, then `downsamples` × (ReLU, nearest 2× upsampling, 3×3 conv), the last back to
 * `channels` (logits; pixels are their sigmoid). Images are [b, C, H, W] in [0, 1] with H and W
 * divisible by 2^downsamples.
 */
export class VQVAE extends Module {
  readonly config: Readonly<Required<VQVAEConfig>>;
  readonly encoder: Sequential;
  readonly quantizer: VectorQuantizer;
  readonly decoder: Sequential;

  constructor(config: VQVAEConfig, options: ModuleOptions = {}) {
    super();
    const c: Required<VQVAEConfig> = {
      hidden: 32,
      codeDim: 16,
      codebookSize: 64,
      downsamples: 2,
      beta: 0.25,
      update: 'ema',
      decay: 0.99,
      ...config,
    };
    if (!(Number.isInteger(c.downsamples) && c.downsamples >= 1)) {
      throw new TesseraError('VQVAE', `downsamples must be a positive integer, got ${c.downsamples}`);
    }
    this.config = c;
    const o: ModuleOptions = { dtype: options.dtype, device: options.device, context: options.context };
    const down: Layer[] = [];
    for (let i = 0; i < c.downsamples; i++) {
      down.push(
        new Conv2d(i === 0 ? c.channels : c.hidden, c.hidden, 4, { ...o, stride: 2, padding: 1 }),
        new ReLU(),
      );
    }
    this.encoder = this.register('encoder', new Sequential(...down, new Conv2d(c.hidden, c.codeDim, 1, o)));
    this.quantizer = this.register(
      'quantizer',
      new VectorQuantizer({
        ...o,
        codebookSize: c.codebookSize,
        codeDim: c.codeDim,
        beta: c.beta,
        update: c.update,
        decay: c.decay,
      }),
    );
    const up: Layer[] = [new Conv2d(c.codeDim, c.hidden, 3, { ...o, padding: 1 })];
    for (let i = 0; i < c.downsamples; i++) {
      const last = i === c.downsamples - 1;
      up.push(
        new ReLU(),
        new UpsampleNearest2d(2),
        new Conv2d(c.hidden, last ? c.channels : c.hidden, 3, { ...o, padding: 1 }),
      );
    }
    this.decoder = this.register('decoder', new Sequential(...up));
  }

  private checkImages(op: string, images: Tensor): void {
    const f = 2 ** this.config.downsamples;
    const [, ch, h, w] = images.shape;
    if (images.rank !== 4 || ch !== this.config.channels || h % f !== 0 || w % f !== 0) {
      throw new TesseraError(
        op,
        `images must be [batch, ${this.config.channels}, H, W] with H and W divisible by ${f}, got [${images.shape.join(', ')}]`,
      );
    }
  }

  /** Encoder outputs z [b, codeDim, h, w] before quantization. */
  embed(images: Tensor): Tensor {
    this.checkImages('VQVAE.embed', images);
    return this.encoder.forward(images);
  }

  /** Encodes, quantizes (straight-through), decodes; the losses to train on. */
  forward(images: Tensor): VQVAEOutput {
    const q = this.quantizer.forward(this.embed(images));
    const logits = this.decoder.forward(q.quantized);
    const reconstructionLoss = binaryCrossEntropyWithLogits(logits, images);
    return {
      logits,
      indices: q.indices,
      reconstructionLoss,
      commitmentLoss: q.commitmentLoss,
      codebookLoss: q.codebookLoss,
      loss: reconstructionLoss.add(q.commitmentLoss).add(q.codebookLoss),
      perplexity: q.perplexity,
    };
  }

  /** Token grid [b, h, w] (i32) of images [b, C, H, W]. */
  encode(images: Tensor): Tensor {
    return noGrad(() => {
      const z = this.embed(images);
      const [b, d, h, w] = z.shape;
      return this.quantizer.nearest(z.permute([0, 2, 3, 1]).reshape([b * h * w, d])).reshape([b, h, w]);
    }, images.ctx);
  }

  /** Pixels [b, C, H, W] in [0, 1] of a token grid [b, h, w] (i32). */
  decode(tokens: Tensor): Tensor {
    if (tokens.rank !== 3 || tokens.dtype !== 'i32') {
      throw new TesseraError(
        'VQVAE.decode',
        `tokens must be [batch, h, w] i32, got ${tokens.dtype} [${tokens.shape.join(', ')}]`,
      );
    }
    return noGrad(
      () => this.decoder.forward(this.quantizer.lookup(tokens).permute([0, 3, 1, 2])).sigmoid(),
      tokens.ctx,
    );
  }

  /** `VectorQuantizer.restartDeadCodes` on the encoder outputs of `images`; returns how many codes moved. */
  restartDeadCodes(images: Tensor, rng: Rng, threshold?: number): number {
    return noGrad(() => {
      const z = this.embed(images);
      const [b, d, h, w] = z.shape;
      return this.quantizer.restartDeadCodes(z.permute([0, 2, 3, 1]).reshape([b * h * w, d]), rng, threshold);
    }, images.ctx);
  }
}
