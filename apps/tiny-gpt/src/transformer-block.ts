import { type AttentionCall, MultiHeadAttention } from '@tessera/attention';
import type { Tensor } from '@tessera/core';
import { Module, type ModuleOptions, RMSNorm, SwiGLU } from '@tessera/nn';

export interface BlockOptions extends ModuleOptions {
  dim: number;
  heads: number;
  kvHeads: number;
  qkNorm: boolean;
}

/** Pre-norm decoder block: x + Attn(RMSNorm(x)), then x + SwiGLU(RMSNorm(x)). */
export class TransformerBlock extends Module {
  readonly attnNorm: RMSNorm;
  readonly attn: MultiHeadAttention;
  readonly mlpNorm: RMSNorm;
  readonly mlp: SwiGLU;

  constructor(options: BlockOptions) {
    super();
    const o = { dtype: options.dtype, device: options.device, context: options.context };
    this.attnNorm = this.register('attnNorm', new RMSNorm(options.dim, o));
    this.attn = this.register(
      'attn',
      new MultiHeadAttention(options.dim, {
        ...o,
        heads: options.heads,
        kvHeads: options.kvHeads,
        causal: true,
        rotary: true,
        qkNorm: options.qkNorm,
      }),
    );
    this.mlpNorm = this.register('mlpNorm', new RMSNorm(options.dim, o));
    this.mlp = this.register('mlp', new SwiGLU(options.dim, undefined, o));
  }

  forward(x: Tensor, call: AttentionCall = {}): Tensor {
    const h = x.add(this.attn.forward(this.attnNorm.forward(x), call));
    return h.add(this.mlp.forward(this.mlpNorm.forward(h)));
  }
}
