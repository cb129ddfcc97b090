import type { KVCache } from '@tessera/attention';
import { type Tensor, tensor } from '@tessera/core';
import { Embedding, Linear, Module, type ModuleOptions, RMSNorm } from '@tessera/nn';
import { TransformerBlock } from './transformer-block.js';

export interface TinyGptConfig {
  vocab: number;
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  qkNorm: boolean;
  /** Share the token embedding with the output head. */
  tied: boolean;
  /** Learned absolute position embeddings for this many positions (0: rotary only). */
  maxLength?: number;
}

/**
 * A decoder-only transformer: token embeddings (plus learned absolute positions when
 * `maxLength` is set; rotary embeddings inside attention always give relative positions),
 * pre-norm blocks, a final RMSNorm and a linear head to vocabulary logits.
 */
export class TinyGpt extends Module {
  readonly embed: Embedding;
  readonly positions: Embedding | undefined;
  readonly blocks: TransformerBlock[];
  readonly norm: RMSNorm;
  readonly head: Linear | undefined;

  constructor(
    readonly config: TinyGptConfig,
    options: ModuleOptions = {},
  ) {
    super();
    this.embed = this.register('embed', new Embedding(config.vocab, config.dim, options));
    this.positions = config.maxLength
      ? this.register('positions', new Embedding(config.maxLength, config.dim, options))
      : undefined;
    this.blocks = Array.from({ length: config.layers }, (_, i) =>
      this.register(`block${i}`, new TransformerBlock({ ...options, ...config })),
    );
    this.norm = this.register('norm', new RMSNorm(config.dim, options));
    this.head = config.tied
      ? undefined
      : this.register('head', new Linear(config.dim, config.vocab, { ...options, bias: false }));
  }

  /**
   * Logits [b, s, vocab] for tokens [b, s] (i32). With a cache, the tokens continue the cached
   * sequence: only they are computed, attending over every cached key.
   */
  forward(tokens: Tensor, cache?: KVCache): Tensor {
    let x = this.embed.forward(tokens);
    if (this.positions) {
      // Absolute positions continue from the cache length when decoding.
      const start = cache?.length ?? 0;
      const s = tokens.shape[1];
      const ids = tensor(
        Array.from({ length: s }, (_, i) => start + i),
        [s],
        { dtype: 'i32', context: tokens.ctx, device: tokens.device },
      );
      x = x.add(this.positions.forward(ids));
    }
    this.blocks.forEach((block, layer) => {
      x = block.forward(x, { cache, layer });
    });
    x = this.norm.forward(x);
    return this.head ? this.head.forward(x) : x.matmul(this.embed.weight.transpose(0, 1));
  }
}
