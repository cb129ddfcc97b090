import { type AttentionCall, type KVCache, MultiHeadAttention, type Position2d } from '@tessera/attention';
import { checkpoint } from '@tessera/autograd';
import { fmtShape, type Tensor, TesseraError, tensor } from '@tessera/core';
import {
  dropout,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  type ModuleOptions,
  RMSNorm,
  SwiGLU,
} from '@tessera/nn';

/** A module that maps x [b, s, dim] to [b, s, dim]: the feed-forward sublayer of a block. */
export type FeedForward = Module & { forward(x: Tensor): Tensor };

export interface DecoderConfig {
  vocab: number;
  dim: number;
  layers: number;
  heads: number;
  /** Key/value heads (grouped-query attention when fewer than `heads`). */
  kvHeads: number;
  /** Hidden size of the default dense SwiGLU (default: nn's SwiGLU default, ⌈8·dim/3⌉ to a multiple of 8). */
  ffnHidden?: number;
  /** Learned absolute position embeddings for this many positions (0 or undefined: none). */
  maxLength?: number;
  /**
   * Rotary positions inside attention (default '1d'). '2d': half of each head dim turns with the
   * token's row, half with its column, from (row, col) positions passed in the call (default
   * (p, p) for sequence position p); head dim a multiple of 4.
   */
  rotary?: 'none' | '1d' | '2d';
  /** RMSNorm (default) or LayerNorm, for the sublayers and the final norm. */
  norm?: 'rms' | 'layer';
  /**
   * 'pre' (default): h = x + attn(norm(x)), out = h + ffn(norm(h)). 'post' (the Chameleon /
   * Swin-v2 reordering): h = x + norm(attn(x)), out = h + norm(ffn(h)). Both end with a final norm.
   */
  normPlacement?: 'pre' | 'post';
  /** RMSNorm on each query and key head before their dot product. */
  qkNorm?: boolean;
  /** Dropout probability on the embeddings, the attention weights and both residual branches while training. */
  dropout?: number;
  /** Share the token embedding with the output head. */
  tied?: boolean;
  /**
   * Activation checkpointing while training: each block keeps only its input for backward and
   * recomputes the rest there (`checkpoint` from @tessera/autograd), one more forward for much
   * less memory. Off during generation with a cache. `observe` then also sees the recomputation.
   */
  checkpoint?: boolean;
  /**
   * Builds the feed-forward of block `layer` (default a dense SwiGLU): any module mapping
   * [b, s, dim] to [b, s, dim], such as a mixture-of-experts layer. It receives the decoder's
   * module options (dtype, device, context).
   */
  feedForward?: (layer: number, options: ModuleOptions) => FeedForward;
}

/** What one forward call of a block or the decoder takes besides its input. */
export interface DecoderCall {
  /** Continue the cached sequence: the inputs are appended after the cached positions. */
  cache?: KVCache;
  /**
   * Positions of this call's tokens, one per seq index, shared by the batch: numbers for 1-D
   * rotary (and learned positions), (row, col) pairs for 2-D rotary. Default: the cache length onwards.
   */
  positions?: readonly number[] | readonly Position2d[];
  /**
   * Learned-position ids [b, s] or [s] (i32) when they differ from `positions`, e.g. per row for
   * left-padded batches. Only used when the decoder has `maxLength`.
   */
  positionIds?: Tensor;
  /** Attention mask broadcastable to [b, heads, s, cached + s] (bool keeps, float adds), on top of causal. */
  mask?: Tensor;
  /**
   * Called in every block with the queries and keys as they enter attention (attention's
   * `AttentionCall.observe`), e.g. to record the largest attention logit.
   */
  observe?: (q: Tensor, k: Tensor, layer: number) => void;
}

function makeNorm(
  kind: 'rms' | 'layer',
  dim: number,
  options: ModuleOptions,
): Module & { forward(x: Tensor): Tensor } {
  return kind === 'rms' ? new RMSNorm(dim, options) : new LayerNorm(dim, options);
}

function checkConfig(c: DecoderConfig): void {
  const fail = (msg: string): never => {
    throw new TesseraError('Decoder', msg);
  };
  for (const key of ['vocab', 'dim', 'layers', 'heads', 'kvHeads'] as const) {
    if (!(Number.isInteger(c[key]) && c[key] > 0)) fail(`${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.dim % c.heads !== 0) fail(`dim ${c.dim} must split into ${c.heads} heads`);
  if (c.heads % c.kvHeads !== 0) fail(`heads (${c.heads}) must be a multiple of kvHeads (${c.kvHeads})`);
  if (c.maxLength !== undefined && !(Number.isInteger(c.maxLength) && c.maxLength >= 0)) {
    fail(`maxLength must be a non-negative integer, got ${c.maxLength}`);
  }
  const p = c.dropout ?? 0;
  if (!(p >= 0 && p < 1)) fail(`dropout must be in [0, 1), got ${p}`);
  if (c.rotary !== undefined && !['none', '1d', '2d'].includes(c.rotary)) {
    fail(`rotary must be 'none', '1d' or '2d', got '${c.rotary}'`);
  }
  if (c.norm !== undefined && c.norm !== 'rms' && c.norm !== 'layer')
    fail(`norm must be 'rms' or 'layer', got '${c.norm}'`);
  if (c.normPlacement !== undefined && c.normPlacement !== 'pre' && c.normPlacement !== 'post') {
    fail(`normPlacement must be 'pre' or 'post', got '${c.normPlacement}'`);
  }
}

/**
 * One decoder block: causal multi-head self-attention and a feed-forward, each a residual branch
 * with its norm before ('pre') or after ('post') the sublayer; see `DecoderConfig.normPlacement`.
 */
export class DecoderBlock extends Module {
  readonly attnNorm: Module & { forward(x: Tensor): Tensor };
  readonly attn: MultiHeadAttention;
  readonly ffnNorm: Module & { forward(x: Tensor): Tensor };
  readonly ffn: FeedForward;
  readonly placement: 'pre' | 'post';
  private readonly dropoutP: number;

  constructor(config: DecoderConfig, layer: number, options: ModuleOptions = {}) {
    super();
    checkConfig(config);
    const o: ModuleOptions = { dtype: options.dtype, device: options.device, context: options.context };
    const norm = config.norm ?? 'rms';
    const rotary = config.rotary ?? '1d';
    this.placement = config.normPlacement ?? 'pre';
    this.dropoutP = config.dropout ?? 0;
    this.attnNorm = this.register('attnNorm', makeNorm(norm, config.dim, o));
    this.attn = this.register(
      'attn',
      new MultiHeadAttention(config.dim, {
        ...o,
        heads: config.heads,
        kvHeads: config.kvHeads,
        causal: true,
        rotary: rotary === 'none' ? false : { axes: rotary === '2d' ? 2 : 1 },
        qkNorm: config.qkNorm ?? false,
        dropout: this.dropoutP,
      }),
    );
    this.ffnNorm = this.register('ffnNorm', makeNorm(norm, config.dim, o));
    this.ffn = this.register(
      'ffn',
      config.feedForward ? config.feedForward(layer, o) : new SwiGLU(config.dim, config.ffnHidden, o),
    );
  }

  /** x [b, s, dim] → [b, s, dim]; `call.layer` picks the cache layer. */
  forward(x: Tensor, call: AttentionCall = {}): Tensor {
    const drop = (t: Tensor) => dropout(t, this.dropoutP, this.training);
    if (this.placement === 'pre') {
      const h = x.add(drop(this.attn.forward(this.attnNorm.forward(x), call)));
      return h.add(drop(this.ffn.forward(this.ffnNorm.forward(h))));
    }
    const h = x.add(drop(this.attnNorm.forward(this.attn.forward(x, call))));
    return h.add(drop(this.ffnNorm.forward(this.ffn.forward(h))));
  }
}

/**
 * A decoder-only transformer: token embeddings (plus learned absolute positions when
 * `maxLength` is set), `layers` decoder blocks, a final norm and a linear head to vocabulary
 * logits (the transposed token embedding when `tied`).
 */
export class Decoder extends Module {
  readonly config: Readonly<DecoderConfig>;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding | undefined;
  readonly blocks: DecoderBlock[];
  readonly norm: Module & { forward(x: Tensor): Tensor };
  readonly head: Linear | undefined;

  constructor(config: DecoderConfig, options: ModuleOptions = {}) {
    super();
    checkConfig(config);
    this.config = { ...config };
    const o: ModuleOptions = { dtype: options.dtype, device: options.device, context: options.context };
    this.tokenEmbedding = this.register('embed', new Embedding(config.vocab, config.dim, o));
    this.positionEmbedding = config.maxLength
      ? this.register('positions', new Embedding(config.maxLength, config.dim, o))
      : undefined;
    this.blocks = Array.from({ length: config.layers }, (_, i) =>
      this.register(`block${i}`, new DecoderBlock(config, i, o)),
    );
    this.norm = this.register('norm', makeNorm(config.norm ?? 'rms', config.dim, o));
    this.head = config.tied
      ? undefined
      : this.register('head', new Linear(config.dim, config.vocab, { ...o, bias: false }));
  }

  /** Logits [b, s, vocab] for tokens [b, s] (i32). With a cache, the tokens continue the cached sequence. */
  forward(tokens: Tensor, call: DecoderCall = {}): Tensor {
    return this.forwardEmbeddings(this.embed(tokens, call), call);
  }

  /**
   * Token embeddings [b, s, dim] of tokens [b, s] (i32), plus learned position embeddings when the
   * decoder has them (at `call.positionIds`, else the numeric `call.positions`, else the cache length onwards).
   */
  embed(tokens: Tensor, call: DecoderCall = {}): Tensor {
    if (tokens.rank !== 2 || tokens.dtype !== 'i32') {
      throw new TesseraError(
        'Decoder.embed',
        `tokens must be [batch, seq] i32, got ${tokens.dtype} ${fmtShape(tokens.shape)}`,
      );
    }
    const x = this.tokenEmbedding.forward(tokens);
    if (!this.positionEmbedding) return x;
    const s = tokens.shape[1];
    let ids = call.positionIds;
    if (!ids) {
      const start = call.cache?.length ?? 0;
      const given = call.positions;
      const numbers =
        given && given.length > 0 && typeof given[0] === 'number' ? (given as readonly number[]) : undefined;
      const list = numbers ?? Array.from({ length: s }, (_, i) => start + i);
      const limit = this.positionEmbedding.numEmbeddings;
      const bad = list.find((p) => !(Number.isInteger(p) && p >= 0 && p < limit));
      if (bad !== undefined) {
        throw new TesseraError(
          'Decoder.embed',
          `position ${bad} is outside the ${limit} learned positions (maxLength); shorten the sequence or raise maxLength`,
        );
      }
      ids = tensor(list, [s], { dtype: 'i32', context: tokens.ctx, device: tokens.device });
    }
    return x.add(this.positionEmbedding.forward(ids));
  }

  /**
   * Logits [b, s, vocab] from input embeddings x [b, s, dim] (e.g. text embeddings with image
   * features spliced in). Learned positions are not added here: `embed` adds them.
   */
  forwardEmbeddings(x: Tensor, call: DecoderCall = {}): Tensor {
    return this.logits(this.hiddenStates(x, call));
  }

  /**
   * The final normed states [b, s, dim] of input embeddings x [b, s, dim]: what `forwardEmbeddings`
   * turns into logits, for heads of a model's own (e.g. a pointer over some of the positions).
   */
  hiddenStates(x: Tensor, call: DecoderCall = {}): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.config.dim) {
      throw new TesseraError(
        'Decoder.forwardEmbeddings',
        `x must be [batch, seq, ${this.config.dim}], got ${fmtShape(x.shape)}`,
      );
    }
    if (call.cache && call.cache.layers !== this.config.layers) {
      throw new TesseraError(
        'Decoder.forward',
        `the KV cache has ${call.cache.layers} layers but the decoder ${this.config.layers}`,
      );
    }
    let h = dropout(x, this.config.dropout ?? 0, this.training);
    const attentionCall: AttentionCall = {
      cache: call.cache,
      mask: call.mask,
      positions: call.positions,
      observe: call.observe,
    };
    const recompute = (this.config.checkpoint ?? false) && this.training && !call.cache;
    this.blocks.forEach((block, layer) => {
      const run = (x: Tensor) => block.forward(x, { ...attentionCall, layer });
      h = recompute ? checkpoint(run, h) : run(h);
    });
    return this.norm.forward(h);
  }

  /** Vocabulary logits [..., vocab] of final states [..., dim]: the output head, or the tied embedding. */
  logits(h: Tensor): Tensor {
    return this.head ? this.head.forward(h) : h.matmul(this.tokenEmbedding.weight.transpose(0, 1));
  }
}
