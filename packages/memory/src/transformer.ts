import { fail } from '@tessera/core';
import { positiveInt } from './validate.js';

/** A mixture-of-experts feed-forward in place of the dense one (routed experts, optional shared ones). */
export interface MoeConfig {
  /** Routed experts per MoE layer. */
  experts: number;
  /** Routed experts each token uses. */
  topK: number;
  /** Experts every token uses (DeepSeek-style shared experts); default 0. */
  sharedExperts?: number;
  /** Hidden width of one expert; default the dense `ffn`. */
  expertFfn?: number;
  /** Leading layers that keep the dense feed-forward; default 0. */
  denseLayers?: number;
}

/** A decoder-only transformer, described the way model cards describe one. */
export interface DecoderConfig {
  layers: number;
  hidden: number;
  heads: number;
  /** Key/value heads (grouped-query attention); default `heads`. */
  kvHeads?: number;
  /** Width of one head; default hidden / heads. */
  headDim?: number;
  /** Hidden width of the dense feed-forward. */
  ffn: number;
  /** `swiglu` has three matrices (gate, up, down), `gelu` two; default `swiglu`. */
  ffnKind?: 'swiglu' | 'gelu';
  vocab: number;
  /** One matrix for the token embedding and the output head; default false. */
  tiedEmbeddings?: boolean;
  /** RMS norm has a gain, layer norm a gain and a bias; default `rms`. */
  norm?: 'rms' | 'layer';
  /** Biases on the linear layers; default false. */
  bias?: boolean;
  /** Norms on queries and keys (one gain of `headDim` each); default false. */
  qkNorm?: boolean;
  moe?: MoeConfig;
}

/** Parameter counts of a decoder config. */
export interface DecoderParameters {
  /** Every parameter stored. */
  total: number;
  /** Parameters one token's forward touches (MoE: top-k routed plus shared experts). */
  active: number;
  embedding: number;
  /** The output head; 0 when tied to the embedding. */
  head: number;
  attentionPerLayer: number;
  /** Dense feed-forward of one layer (0 when every layer is MoE). */
  denseFfnPerLayer: number;
  /** One MoE layer's experts, shared experts and router (0 without MoE). */
  moePerLayer: number;
  normsPerLayer: number;
}

/**
 * Counts the parameters of a decoder-only transformer: embedding, per-layer attention (q, k, v, o
 * projections, grouped-query aware), feed-forward (dense or MoE), norms, final norm and head.
 * Llama 2 7B (32 layers, 4,096 hidden, 32 heads, 11,008 SwiGLU, 32,000 tokens, untied) gives its
 * published 6,738,415,616.
 */
export function countDecoderParameters(config: DecoderConfig): DecoderParameters {
  const op = 'countDecoderParameters';
  const layers = positiveInt(op, 'layers', config.layers);
  const h = positiveInt(op, 'hidden', config.hidden);
  const heads = positiveInt(op, 'heads', config.heads);
  const kvHeads = positiveInt(op, 'kvHeads', config.kvHeads ?? heads);
  if (heads % kvHeads !== 0) fail(op, `heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
  if (config.headDim === undefined && h % heads !== 0) {
    fail(op, `hidden (${h}) is not divisible by heads (${heads}); give headDim`);
  }
  const d = positiveInt(op, 'headDim', config.headDim ?? h / heads);
  const ffn = positiveInt(op, 'ffn', config.ffn);
  const vocab = positiveInt(op, 'vocab', config.vocab);
  const bias = config.bias ?? false;
  const matrices = (config.ffnKind ?? 'swiglu') === 'swiglu' ? 3 : 2;
  if (config.ffnKind !== undefined && config.ffnKind !== 'swiglu' && config.ffnKind !== 'gelu') {
    fail(op, `ffnKind must be 'swiglu' or 'gelu', got '${String(config.ffnKind)}'`);
  }
  const normParams = (config.norm ?? 'rms') === 'rms' ? h : 2 * h;

  const linear = (inF: number, outF: number): number => inF * outF + (bias ? outF : 0);
  const attention =
    linear(h, heads * d) + 2 * linear(h, kvHeads * d) + linear(heads * d, h) + (config.qkNorm ? 2 * d : 0);
  const ffnBlock = (width: number): number =>
    matrices === 3 ? 2 * linear(h, width) + linear(width, h) : linear(h, width) + linear(width, h);
  const dense = ffnBlock(ffn);
  const norms = 2 * normParams;

  let moeLayer = 0;
  let moeActive = 0;
  let moeLayers = 0;
  const moe = config.moe;
  if (moe !== undefined) {
    const experts = positiveInt(op, 'moe.experts', moe.experts);
    const topK = positiveInt(op, 'moe.topK', moe.topK);
    if (topK > experts) fail(op, `moe.topK (${topK}) exceeds moe.experts (${experts})`);
    const shared = moe.sharedExperts ?? 0;
    if (!Number.isSafeInteger(shared) || shared < 0)
      fail(op, `moe.sharedExperts must be a non-negative integer, got ${shared}`);
    const denseLayers = moe.denseLayers ?? 0;
    if (!Number.isSafeInteger(denseLayers) || denseLayers < 0 || denseLayers > layers) {
      fail(op, `moe.denseLayers must be an integer in [0, ${layers}], got ${denseLayers}`);
    }
    const expert = ffnBlock(positiveInt(op, 'moe.expertFfn', moe.expertFfn ?? ffn));
    const router = h * experts;
    moeLayer = (experts + shared) * expert + router;
    moeActive = (topK + shared) * expert + router;
    moeLayers = layers - denseLayers;
  }
  const denseLayers = layers - moeLayers;
  const embedding = vocab * h;
  const head = config.tiedEmbeddings ? 0 : linear(h, vocab);
  const shared = embedding + head + normParams + layers * (attention + norms);
  return {
    total: shared + denseLayers * dense + moeLayers * moeLayer,
    active: shared + denseLayers * dense + moeLayers * moeActive,
    embedding,
    head,
    attentionPerLayer: attention,
    denseFfnPerLayer: denseLayers > 0 ? dense : 0,
    moePerLayer: moeLayer,
    normsPerLayer: norms,
  };
}
