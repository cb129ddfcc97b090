import { autocastInputs, dispatch, fail, fmtShape, type Tensor } from '@tessera/core';
import type { FlashAttrs } from './flash-attrs.js';
import { flashAttentionDef, flashAttentionMaskedDef } from './flash-op.js';
import { naiveAttention } from './naive-attention.js';
import { checkAttentionInputs } from './validate.js';

const OP = 'scaledDotProductAttention';

export type AttentionStrategy = 'flash' | 'naive' | 'auto';

export interface AttentionOptions {
  /**
   * Causal masking. With sq ≠ sk it is aligned to the bottom-right corner (PyTorch,
   * FlashAttention-2): query i sees keys j ≤ i + (sk − sq), so the last query sees every key and,
   * when sq > sk, the first sq − sk queries see none (their output is 0).
   */
  causal?: boolean;
  /** Broadcastable to [b, h, sq, sk]: bool (true keeps the key) or float (added to the scores). */
  mask?: Tensor;
  /** Multiplies QKᵀ; default 1/√dim. */
  scale?: number;
  /** Expected number of key/value heads (grouped-/multi-query attention); checked against k. */
  kvHeads?: number;
  /** Dropout probability on the attention weights, drawn from the context's seeded RNG. */
  dropout?: number;
  /** Also return the row logsumexp L [b, h, sq] (−∞ for rows that see no key). */
  returnLse?: boolean;
  /** 'flash' (tiled kernel), 'naive' (materialized scores) or 'auto' (flash where a kernel exists). */
  strategy?: AttentionStrategy;
  /**
   * Packed variable-length sequences: cumulative offsets such as [0, 3, 8, 12]. Each sequence
   * attends only within itself (and causally within itself when `causal`). Needs batch 1 or the
   * packed [total, heads, dim] layout.
   */
  cuSeqlens?: readonly number[];
  /** Tile sizes of the flash kernels (default 64 × 64). */
  blockSize?: { q?: number; k?: number };
  /** f32 tiles multiply in WebAssembly SIMD where the runtime has it (default true); false: JS loops. */
  simd?: boolean;
}

export interface AttentionResult {
  output: Tensor;
  lse: Tensor;
}

/** Packed [total, heads, dim] → [1, heads, total, dim], a view. */
const unpack = (t: Tensor): Tensor => t.permute([1, 0, 2]).unsqueeze(0);

/**
 * softmax(Q Kᵀ·scale + mask) V over q [b, h, sq, d], k [b, hk, sk, d], v [b, hk, sk, dv]
 * (or the packed [total, heads, dim] layout with `cuSeqlens`), where h is a multiple of hk and
 * query head h reads kv head ⌊h·hk/h⌋. The flash strategy is one op with its own backward.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions & { returnLse: true },
): AttentionResult;
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: AttentionOptions,
): Tensor;
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): Tensor | AttentionResult {
  // Inside autocast attention computes from the scope's half type, as matmul does; q, k and v are
  // cast together before the checks below, which want one dtype. (A non-tensor q has no context;
  // the checks name it.)
  if ((q as Partial<Tensor> | undefined)?.ctx) [q, k, v] = autocastInputs([q, k, v]);
  const packed = q.rank === 3 && k.rank === 3 && v.rank === 3;
  if (packed) {
    const res = attention4(unpack(q), unpack(k), unpack(v), options, true);
    const output = res.output.squeeze(0).permute([1, 0, 2]);
    return options.returnLse ? { output, lse: res.lse.squeeze(0) } : output;
  }
  const res = attention4(q, k, v, options, false);
  return options.returnLse ? res : res.output;
}

function attention4(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions,
  packed: boolean,
): AttentionResult {
  const cuSeqlens = options.cuSeqlens ? [...options.cuSeqlens] : null;
  checkAttentionInputs(OP, q, k, v, options.mask, cuSeqlens);
  if (options.kvHeads !== undefined && options.kvHeads !== k.shape[1]) {
    fail(OP, `kvHeads is ${options.kvHeads} but k ${fmtShape(k.shape)} has ${k.shape[1]} heads`);
  }
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) fail(OP, `dropout must be in [0, 1), got ${dropout}`);
  const [b, h, sq, dim] = q.shape;
  const sk = k.shape[2];
  const scale = options.scale ?? 1 / Math.sqrt(dim);
  const blockQ = options.blockSize?.q ?? 64;
  const blockK = options.blockSize?.k ?? 64;
  if (!(Number.isInteger(blockQ) && blockQ > 0 && Number.isInteger(blockK) && blockK > 0)) {
    fail(OP, `blockSize must be positive integers, got q ${blockQ}, k ${blockK}`);
  }
  // The dropout mask is a pure function of (key, base, element): reserve its counters once.
  const draw = dropout > 0 ? q.ctx.rng.reserve(Math.ceil((b * h * sq * sk) / 4)) : { key: [0, 0], base: 0 };
  const attrs: FlashAttrs = {
    scale,
    causal: options.causal ?? false,
    cuSeqlens: packed || cuSeqlens ? cuSeqlens : null,
    dropout,
    dropoutKey: [draw.key[0], draw.key[1]],
    dropoutBase: draw.base,
    blockQ,
    blockK,
    simd: options.simd ?? true,
  };
  const strategy = options.strategy ?? 'auto';
  const def = options.mask ? flashAttentionMaskedDef : flashAttentionDef;
  // The WGSL kernels take f32 and f16 (computed in f32) but not dropout: 'auto' takes the naive
  // path for dropout on webgpu, and 'flash' gets the kernel's error saying so.
  const gpuOnly = q.device === 'webgpu' && (dropout > 0 || (q.dtype !== 'f32' && q.dtype !== 'f16'));
  const flash =
    strategy === 'flash' || (strategy === 'auto' && def.kernels?.[q.device] !== undefined && !gpuOnly);
  if (strategy !== 'flash' && strategy !== 'naive' && strategy !== 'auto') {
    fail(OP, `strategy must be 'flash', 'naive' or 'auto', got '${String(strategy)}'`);
  }
  if (flash) {
    const ins = options.mask ? [q, k, v, options.mask] : [q, k, v];
    const [output, lse] = dispatch(def, ins, attrs);
    return { output, lse };
  }
  const [output, lse] = naiveAttention(q, k, v, options.mask, attrs);
  return { output, lse };
}
