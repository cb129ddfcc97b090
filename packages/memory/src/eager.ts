import { fail } from '@tessera/core';
import type { DecoderConfig } from './transformer.js';
import { positiveInt } from './validate.js';

/*
 * Tessera's own accounting of activation memory. Megatron and PyTorch free a forward intermediate
 * as soon as nothing refers to it, so what a step holds is what the gradient rules save (the
 * accounting of `activationBytesPerLayer`). Tessera's eager ops run inside the training step's
 * `tidy`, which frees the step's tensors only when it ends: every output of every forward op stays
 * alive through backward, views excepted. Backward then adds its working set — the gradient flowing
 * down, the gradient it produces and the rules' temporaries — which peaks at one layer.
 * So the step's activation peak is (all forward outputs) + (the largest backward working set),
 * which is what the functions below count, op by op, from the ops each layer runs.
 */

/** Bytes a step's activations take at its peak, as Tessera executes it. */
export interface EagerActivations {
  /** Outputs of every forward op, alive until the step's `tidy` ends. */
  forward: number;
  /** What backward adds on top of them at its peak, parameter gradients not included. */
  backward: number;
  /** forward + backward: the activations at the step's peak. */
  total: number;
}

/** One layer of a sequential network, as the planner sees it. */
export type LayerSpec =
  | { kind: 'linear'; out: number; bias?: boolean }
  | { kind: 'conv2d'; out: number; kernel: number; stride?: number; padding?: number; bias?: boolean }
  | { kind: 'maxPool2d'; kernel: number; stride?: number }
  | { kind: 'relu' }
  | { kind: 'dropout' }
  | { kind: 'flatten' };

/** One layer's share of {@link sequentialActivations}. */
export interface LayerActivations {
  kind: LayerSpec['kind'] | 'crossEntropy';
  /** The layer's output shape. */
  shape: number[];
  /** Bytes of its forward outputs. */
  forward: number;
  /** Its backward working set: incoming and outgoing gradient plus the rule's temporaries. */
  backward: number;
}

export interface SequentialActivations extends EagerActivations {
  layers: LayerActivations[];
}

export interface SequentialOptions {
  /** Bytes per element; default 4 (f32). */
  bytes?: number;
  /** Add a softmax cross-entropy over the last layer's output; default true. */
  crossEntropy?: boolean;
}

const numel = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/**
 * Forward outputs of nn's `crossEntropy` over [rows, classes] logits: the log-softmax; per row the
 * ignore-index mask (1 byte), the class ids (i32), the mask as floats, the picked log-probability,
 * its negation and its weighted value; and three scalars (the sums and the mean).
 */
const crossEntropyBytes = (rows: number, classes: number, e: number) =>
  rows * classes * e + rows * (1 + 4 + 4 * e) + 3 * e;

/** Output side of a window sliding over `size` (no dilation). */
function slide(op: string, size: number, kernel: number, stride: number, padding: number): number {
  const out = Math.floor((size + 2 * padding - kernel) / stride) + 1;
  if (out < 1)
    fail(op, `a ${kernel}-wide window (stride ${stride}, padding ${padding}) does not fit in ${size}`);
  return out;
}

/**
 * Activation bytes of one training step of a sequential network (a stack of the layers below on
 * an input of shape `input`, batch first), counted as Tessera executes it:
 *
 * | layer | forward outputs | backward working set |
 * |---|---|---|
 * | linear | the product, and the bias sum (2 × output) | incoming + outgoing gradient |
 * | conv2d | its output (bias inside the op) | incoming + outgoing gradient |
 * | maxPool2d | its output | incoming + outgoing gradient |
 * | relu | its output | incoming gradient, a 1-byte mask, outgoing gradient |
 * | dropout | uniform draws, 1-byte mask, mask as floats, product, rescaled (4 × output + a byte) | incoming + outgoing gradient |
 * | flatten | nothing (a view) | nothing |
 * | cross-entropy | log-softmax, six small tensors per row, three scalars | four logit-sized tensors |
 *
 * The input takes no gradient: backward stops at the first layer with parameters, whose working set
 * is the incoming gradient. Parameter gradients appear layer by layer from the top, so the step's
 * peak is the largest (working set + parameter gradients made so far); `backward` is that peak
 * less all parameter gradients (which the planner counts as model state).
 */
export function sequentialActivations(
  layers: readonly LayerSpec[],
  input: readonly number[],
  options: SequentialOptions = {},
): SequentialActivations {
  const op = 'sequentialActivations';
  for (const [i, d] of input.entries()) positiveInt(op, `input[${i}]`, d);
  if (input.length < 2) fail(op, `input must be [batch, ...features], got [${input.join(', ')}]`);
  const e = options.bytes ?? 4;
  if (!(e > 0)) fail(op, `bytes must be positive, got ${String(options.bytes)}`);
  const out: LayerActivations[] = [];
  /** Bytes of each layer's parameter gradients, to know which exist when a layer's backward peaks. */
  const gradBytes: number[] = [];
  let shape = [...input];
  for (const [index, layer] of layers.entries()) {
    const at = `${op} layer ${index} (${layer.kind}, input [${shape.join(', ')}])`;
    const inSize = numel(shape);
    let next: number[];
    let forward: number;
    let working: number;
    let params = 0;
    switch (layer.kind) {
      case 'linear': {
        const n = positiveInt(at, 'out', layer.out);
        const bias = layer.bias ?? true;
        next = [...shape.slice(0, -1), n];
        forward = (bias ? 2 : 1) * numel(next) * e;
        working = (numel(next) + inSize) * e;
        params = shape[shape.length - 1] * n + (bias ? n : 0);
        break;
      }
      case 'conv2d':
      case 'maxPool2d': {
        if (shape.length !== 4) fail(at, 'needs an input of [batch, channels, height, width]');
        const k = positiveInt(at, 'kernel', layer.kernel);
        const stride = layer.stride ?? (layer.kind === 'conv2d' ? 1 : k);
        const padding = layer.kind === 'conv2d' ? (layer.padding ?? 0) : 0;
        const channels = layer.kind === 'conv2d' ? positiveInt(at, 'out', layer.out) : shape[1];
        next = [
          shape[0],
          channels,
          slide(at, shape[2], k, stride, padding),
          slide(at, shape[3], k, stride, padding),
        ];
        forward = numel(next) * e;
        working = (numel(next) + inSize) * e;
        if (layer.kind === 'conv2d')
          params = channels * shape[1] * k * k + (layer.bias === false ? 0 : channels);
        break;
      }
      case 'relu':
        next = shape;
        forward = inSize * e;
        working = 2 * inSize * e + inSize;
        break;
      case 'dropout':
        next = shape;
        forward = 4 * inSize * e + inSize;
        working = 2 * inSize * e;
        break;
      case 'flatten':
        next = [shape[0], numel(shape.slice(1))];
        forward = 0;
        working = 0;
        break;
      default:
        fail(op, `layer ${index} has unknown kind '${String((layer as { kind: unknown }).kind)}'`);
    }
    out.push({ kind: layer.kind, shape: next, forward, backward: working });
    gradBytes.push(params * e);
    shape = next;
  }
  // The input takes no gradient, so backward stops at the first layer with parameters, which only
  // holds the gradient coming in; the layers below it never run backward.
  const first = gradBytes.findIndex((n) => n > 0);
  for (const [i, l] of out.entries()) {
    if (first < 0 || i < first) l.backward = 0;
    else if (i === first) l.backward = numel(l.shape) * e;
  }
  if (options.crossEntropy ?? true) {
    if (shape.length !== 2)
      fail(op, `cross-entropy needs [batch, classes] logits, got [${shape.join(', ')}]`);
    out.push({
      kind: 'crossEntropy',
      shape: [],
      forward: crossEntropyBytes(shape[0], shape[1], e),
      backward: 4 * numel(shape) * e,
    });
  }
  const forward = out.reduce((n, l) => n + l.forward, 0);
  // Backward runs the layers top down; a layer's peak also holds the parameter gradients made so
  // far (its own included). The step's activations are its peak less all parameter gradients.
  const allGrads = gradBytes.reduce((n, b) => n + b, 0);
  let made = 0;
  let peak = 0;
  for (let i = out.length - 1; i >= 0; i--) {
    made += gradBytes[i] ?? 0;
    peak = Math.max(peak, out[i].backward + made);
  }
  const backward = Math.max(0, peak - allGrads);
  return { layers: out, forward, backward, total: forward + backward };
}

export interface DecoderActivationOptions {
  seq: number;
  batch: number;
  /** Bytes per element; default 4 (f32). */
  bytes?: number;
  /** Rotary positions on queries and keys; default true. */
  rotary?: boolean;
  /** Learned absolute positions added to the token embeddings; default false. */
  learnedPositions?: boolean;
}

export interface DecoderActivations extends EagerActivations {
  /** Forward outputs of one block. */
  perLayer: number;
  /** Embedding lookup (and learned positions). */
  embedding: number;
  /** Final norm, logits and the cross-entropy. */
  head: number;
}

/**
 * Activation bytes of one training step of `@tessera/transformer`'s `Decoder` (pre-norm, RMS
 * norms, flash attention, a dense feed-forward, no dropout), counted from the ops it runs per
 * token, in elements (h hidden, f feed-forward width, q = heads·headDim and k = kvHeads·headDim
 * the query and key widths, a heads, g kv heads):
 * - each RMS norm: `@tessera/nn`'s fused op, its output and the per-row 1/σ it keeps for the
 *   backward (h + 1);
 * - the projections to queries, keys and values (q + 2k), the attention output and the copy
 *   that merges its heads (2q), the output projection (h);
 * - QK-norm: an RMS norm per head, on the heads before they are permuted (q + a + k + g);
 * - rotary: the rotated copy (one product with a [headDim, headDim] signed permutation), two
 *   products and their sum (4q + 4k), and per layer a cosine and a sine table of [seq, headDim]
 *   and the permutation, for the queries and again for the keys;
 * - flash attention's log-sum-exp (a, always f32);
 * - SwiGLU: gate, SiLU, up and their product (4f), GELU: the hidden and its activation (2f);
 *   the down projection and two residual sums (3h).
 * Backward peaks in the top block's SwiGLU: the residual gradient, the gradient into the gate
 * and from the up projection, and SiLU's rule, whose five temporaries and result are each f wide
 * (2h + 7f); a GELU feed-forward is counted the same way (not measured: no model of ours uses one).
 */
export function decoderActivations(
  config: DecoderConfig,
  options: DecoderActivationOptions,
): DecoderActivations {
  const op = 'decoderActivations';
  const s = positiveInt(op, 'seq', options.seq);
  const b = positiveInt(op, 'batch', options.batch);
  const h = positiveInt(op, 'hidden', config.hidden);
  const a = positiveInt(op, 'heads', config.heads);
  const g = positiveInt(op, 'kvHeads', config.kvHeads ?? a);
  const headDim = positiveInt(op, 'headDim', config.headDim ?? h / a);
  const f = positiveInt(op, 'ffn', config.ffn);
  const v = positiveInt(op, 'vocab', config.vocab);
  const layers = positiveInt(op, 'layers', config.layers);
  if ((config.norm ?? 'rms') !== 'rms') fail(op, `only RMS norms are counted, got norm '${config.norm}'`);
  if (config.moe) fail(op, 'mixture-of-experts feed-forwards are not counted; give a dense config');
  const e = options.bytes ?? 4;
  const q = a * headDim;
  const k = g * headDim;
  const norm = h + 1;
  const qkNorm = config.qkNorm ? q + a + k + g : 0;
  const rotary = (options.rotary ?? true) ? 4 * q + 4 * k : 0;
  const ffn = (config.ffnKind ?? 'swiglu') === 'swiglu' ? 4 * f : 2 * f;
  const tokens = s * b;
  const perToken = 2 * norm + 3 * q + 2 * k + h + qkNorm + rotary + ffn + 3 * h;
  const tables = (options.rotary ?? true) ? (4 * s * headDim + 2 * headDim * headDim) * e : 0;
  const perLayer = tokens * (perToken * e + 4 * a) + tables;
  // Token vectors; learned positions add their ids (i32), their vectors and the sum.
  const positions = options.learnedPositions ? s * 4 + s * h * e + tokens * h * e : 0;
  const embedding = tokens * h * e + positions;
  // Final norm, logits, then the cross-entropy.
  const head = tokens * (norm + v) * e + crossEntropyBytes(tokens, v, e);
  const forward = layers * perLayer + embedding + head;
  const backward = tokens * (2 * h + 7 * f) * e;
  return { perLayer, embedding, head, forward, backward, total: forward + backward };
}
