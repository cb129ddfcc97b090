import { fail } from '@tessera/core';
import { positive } from './validate.js';

/** What backward recomputes instead of keeping. */
export type Recompute = 'none' | 'selective' | 'full';

/** One transformer layer's shape and how it is trained. */
export interface ActivationConfig {
  /** Sequence length s. */
  seq: number;
  /** Micro-batch b. */
  batch: number;
  /** Hidden width h. */
  hidden: number;
  /** Attention heads a. */
  heads: number;
  /** Key/value heads; default `heads`. Keys and values are kv/a of the query width. */
  kvHeads?: number;
  /** Feed-forward width; default 4h (the paper's). */
  ffn?: number;
  /** `gelu` keeps the activation's input and output (2f per token), `swiglu` gate, up and product (3f). */
  ffnKind?: 'gelu' | 'swiglu';
  /** Bytes of one activation element: 2 for 16-bit training, 4 for f32; default 2. */
  bytes?: number;
  /** Dropout after attention probabilities and both sublayers keeps 1-byte masks; default true. */
  dropout?: boolean;
  /** Default `none`. `selective` recomputes the attention core (softmax, its dropout, the product with V). */
  recompute?: Recompute;
  /** Flash attention keeps no s×s tensor, only the output and an f32 log-sum-exp per row and head. */
  flash?: boolean;
}

/** Bytes kept for backward by one layer, by part. */
export interface ActivationBytes {
  /** Terms that grow with s·b (linear inputs, masks, norms, MLP activations). */
  linear: number;
  /** Terms that grow with a·s²·b (attention probabilities, their dropout). */
  quadratic: number;
  /** Flash attention's log-sum-exp rows. */
  flashStats: number;
  total: number;
}

/**
 * Activation bytes one transformer layer keeps for backward, following the accounting of Korthikanti
 * et al. (2022, "Reducing Activation Recomputation in Large Transformer Models", §4.1), generalized to
 * the element width, grouped-query attention, the feed-forward width and kind, and flash attention.
 * With 16-bit elements, dropout, a 4h GELU feed-forward and no recomputation this is their
 * s·b·h·(34 + 5·a·s/h); selective recomputation leaves 34·s·b·h; full recomputation keeps only the
 * layer's input, 2·s·b·h.
 */
export function activationBytesPerLayer(config: ActivationConfig): ActivationBytes {
  const op = 'activationBytesPerLayer';
  const s = positive(op, 'seq', config.seq);
  const b = positive(op, 'batch', config.batch);
  const h = positive(op, 'hidden', config.hidden);
  const a = positive(op, 'heads', config.heads);
  const kv = positive(op, 'kvHeads', config.kvHeads ?? a);
  const f = positive(op, 'ffn', config.ffn ?? 4 * h);
  const e = positive(op, 'bytes', config.bytes ?? 2);
  const ffnKind = config.ffnKind ?? 'gelu';
  if (ffnKind !== 'gelu' && ffnKind !== 'swiglu')
    fail(op, `ffnKind must be 'gelu' or 'swiglu', got '${String(ffnKind)}'`);
  const recompute = config.recompute ?? 'none';
  if (recompute !== 'none' && recompute !== 'selective' && recompute !== 'full') {
    fail(op, `recompute must be 'none', 'selective' or 'full', got '${String(recompute)}'`);
  }
  const mask = (config.dropout ?? true) ? 1 : 0;
  const tokens = s * b;

  if (recompute === 'full') {
    const linear = e * tokens * h;
    return { linear, quadratic: 0, flashStats: 0, total: linear };
  }
  const kvWidth = (h * kv) / a;
  // Attention: QKV input, Q, K, V, output-projection input, dropout mask after the projection.
  const attention = e * tokens * (h + h + kvWidth + kvWidth + h) + mask * tokens * h;
  // Feed-forward: its input, its activations, dropout mask after it.
  const ffnActivations = ffnKind === 'gelu' ? 2 * f : 3 * f;
  const mlp = e * tokens * (h + ffnActivations) + mask * tokens * h;
  // Two norms keep their inputs.
  const norms = 2 * e * tokens * h;
  const linear = attention + mlp + norms;

  const flash = config.flash ?? false;
  const keepsScores = !flash && recompute === 'none';
  // Softmax output, its dropout mask and the dropped-out probabilities that multiply V.
  const quadratic = keepsScores ? (e + mask + (mask ? e : 0)) * a * s * s * b : 0;
  const flashStats = flash ? 4 * a * s * b : 0;
  return { linear, quadratic, flashStats, total: linear + quadratic + flashStats };
}
