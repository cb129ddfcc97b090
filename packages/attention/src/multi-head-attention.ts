import { fmtShape, type Tensor, TesseraError } from '@tessera/core';
import { Linear, Module, type ModuleOptions, RMSNorm } from '@tessera/nn';
import type { KVCache } from './kv-cache.js';
import { applyRotary, applyRotary2d, type Position2d } from './rotary.js';
import { type AttentionStrategy, scaledDotProductAttention } from './scaled-dot-product-attention.js';

export interface MultiHeadAttentionOptions extends ModuleOptions {
  /** Query heads. */
  heads: number;
  /** Key/value heads (grouped-query when < heads, multi-query when 1); default heads. */
  kvHeads?: number;
  /** Mask future positions (bottom-right aligned, so cached decoding works). */
  causal?: boolean;
  /** RMSNorm on each query and key head before attention (QK-norm), which keeps logits tame. */
  qkNorm?: boolean;
  /**
   * Rotary position embedding on q and k (positions offset by the cache length). `axes: 2`: 2-D
   * rotary, half the head dim turned by the token's row and half by its column (head dim a
   * multiple of 4); the (row, col) positions come with the call (default (p, p) for sequence
   * position p, which is how text tokens sit beside image patches).
   */
  rotary?: boolean | { base?: number; axes?: 1 | 2 };
  /** Biases in the projections (default false). */
  bias?: boolean;
  /** Attention dropout while training. */
  dropout?: number;
  strategy?: AttentionStrategy;
}

export interface AttentionCall {
  /** Decoding: append this step's k/v to the cache and attend over everything cached. */
  cache?: KVCache;
  /** Which cache layer this module uses. */
  layer?: number;
  /** Broadcastable to [b, heads, s, sTotal] (bool keeps, float adds). */
  mask?: Tensor;
  /**
   * Rotary positions of this call's tokens (one per seq index, shared by the batch): numbers for
   * 1-D rotary, (row, col) pairs for 2-D. Default: the cache length onwards.
   */
  positions?: readonly number[] | readonly Position2d[];
  /**
   * Packed variable-length sequences in a batch of 1, e.g. `[0, 16, 40]`: block-diagonal
   * attention (no sequence attends to another; causal within each when `causal`), as
   * `scaledDotProductAttention`'s `cuSeqlens`. Not with a cache.
   */
  cuSeqlens?: readonly number[];
  /**
   * Called with the queries [b, heads, s, hd] and keys [b, kvHeads, sTotal, hd] exactly as they
   * enter attention (after QK-norm, rotary and the cache): to measure attention logits, e.g. the
   * largest |q·k|/√hd in a stability study. Read them; don't keep them past the call's tidy.
   */
  observe?: (q: Tensor, k: Tensor, layer: number) => void;
}

/**
 * Multi-head self-attention over x [b, s, dim]: q, k, v projections (k/v with kvHeads heads),
 * optional QK-norm and rotary embeddings, scaledDotProductAttention (flash where available)
 * and an output projection.
 */
export class MultiHeadAttention extends Module {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly causal: boolean;
  readonly wq: Linear;
  readonly wk: Linear;
  readonly wv: Linear;
  readonly wo: Linear;
  readonly qNorm: RMSNorm | undefined;
  readonly kNorm: RMSNorm | undefined;
  private readonly rotaryBase: number | undefined;
  private readonly rotaryAxes: 1 | 2;
  private readonly dropoutP: number;
  private readonly strategy: AttentionStrategy;

  constructor(
    readonly dim: number,
    options: MultiHeadAttentionOptions,
  ) {
    super();
    const heads = options.heads;
    const kvHeads = options.kvHeads ?? heads;
    if (!(Number.isInteger(heads) && heads > 0 && dim % heads === 0)) {
      throw new TesseraError('MultiHeadAttention', `dim ${dim} must split into ${heads} heads`);
    }
    if (!(Number.isInteger(kvHeads) && kvHeads > 0 && heads % kvHeads === 0)) {
      throw new TesseraError(
        'MultiHeadAttention',
        `heads (${heads}) must be a multiple of kvHeads (${kvHeads})`,
      );
    }
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = dim / heads;
    this.causal = options.causal ?? false;
    this.dropoutP = options.dropout ?? 0;
    this.strategy = options.strategy ?? 'auto';
    this.rotaryBase = options.rotary
      ? ((options.rotary === true ? undefined : options.rotary.base) ?? 10000)
      : undefined;
    this.rotaryAxes = typeof options.rotary === 'object' ? (options.rotary.axes ?? 1) : 1;
    if (this.rotaryBase !== undefined && this.headDim % (2 * this.rotaryAxes) !== 0) {
      throw new TesseraError(
        'MultiHeadAttention',
        `${this.rotaryAxes}-D rotary needs a head dim divisible by ${2 * this.rotaryAxes}, got ${this.headDim} (dim ${dim} / ${heads} heads)`,
      );
    }
    const o = {
      dtype: options.dtype,
      device: options.device,
      context: options.context,
      bias: options.bias ?? false,
    };
    this.wq = this.register('wq', new Linear(dim, heads * this.headDim, o));
    this.wk = this.register('wk', new Linear(dim, kvHeads * this.headDim, o));
    this.wv = this.register('wv', new Linear(dim, kvHeads * this.headDim, o));
    this.wo = this.register('wo', new Linear(heads * this.headDim, dim, o));
    this.qNorm = options.qkNorm ? this.register('qNorm', new RMSNorm(this.headDim, o)) : undefined;
    this.kNorm = options.qkNorm ? this.register('kNorm', new RMSNorm(this.headDim, o)) : undefined;
  }

  forward(x: Tensor, call: AttentionCall = {}): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.dim) {
      throw new TesseraError(
        'MultiHeadAttention',
        `x must be [batch, seq, ${this.dim}], got ${fmtShape(x.shape)}`,
      );
    }
    const [b, s] = x.shape;
    // [b, s, n·hd] → [b, n, s, hd]: a view, which the flash kernel reads through its strides.
    // QK-norm (over head dim) runs before the permute, on the contiguous [b, s, n, hd] rows, so the
    // fused norm needs no copy of a strided view.
    const split = (t: Tensor, n: number, norm?: RMSNorm) => {
      const heads = t.reshape([b, s, n, this.headDim]);
      return (norm ? norm.forward(heads) : heads).permute([0, 2, 1, 3]);
    };
    let q = split(this.wq.forward(x), this.heads, this.qNorm);
    let k = split(this.wk.forward(x), this.kvHeads, this.kNorm);
    let v = split(this.wv.forward(x), this.kvHeads);
    const layer = call.layer ?? 0;
    const offset = call.cache ? call.cache.lengthOf(layer) : 0;
    if (this.rotaryBase !== undefined) {
      const rotate = this.rotation(s, offset, call.positions);
      q = rotate(q);
      k = rotate(k);
    }
    if (call.cuSeqlens && (call.cache || b !== 1)) {
      throw new TesseraError(
        'MultiHeadAttention',
        `cuSeqlens packs sequences into a batch of 1 without a cache, got x ${fmtShape(x.shape)}${call.cache ? ' and a cache' : ''}`,
      );
    }
    if (call.cache) ({ k, v } = call.cache.append(layer, k, v));
    call.observe?.(q, k, layer);
    const o = scaledDotProductAttention(q, k, v, {
      causal: this.causal,
      mask: call.mask,
      cuSeqlens: call.cuSeqlens,
      dropout: this.training ? this.dropoutP : 0,
      strategy: this.strategy,
    });
    return this.wo.forward(o.permute([0, 2, 1, 3]).reshape([b, s, this.heads * this.headDim]));
  }

  /** The rotary embedding of this call's q and k: 1-D or 2-D, at the given or the default positions. */
  private rotation(
    s: number,
    offset: number,
    positions: readonly number[] | readonly Position2d[] | undefined,
  ): (t: Tensor) => Tensor {
    const base = this.rotaryBase;
    if (positions !== undefined && positions.length !== s) {
      throw new TesseraError('MultiHeadAttention', `${positions.length} rotary positions for ${s} tokens`);
    }
    const pairs = positions !== undefined && positions.length > 0 && typeof positions[0] !== 'number';
    if (this.rotaryAxes === 1) {
      if (pairs) {
        throw new TesseraError(
          'MultiHeadAttention',
          "(row, col) positions need 2-D rotary (rotary: { axes: 2 }); this module's rotary is 1-D",
        );
      }
      const p = positions as readonly number[] | undefined;
      return (t) => applyRotary(t, { offset, positions: p, base });
    }
    const p2: readonly Position2d[] = pairs
      ? (positions as readonly Position2d[])
      : Array.from({ length: s }, (_, i) => {
          const p = positions ? (positions as readonly number[])[i] : offset + i;
          return [p, p] as const;
        });
    return (t) => applyRotary2d(t, { positions: p2, base });
  }
}
