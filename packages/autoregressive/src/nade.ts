import { type Tensor, TesseraError, tensor, zeros } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Module, type ModuleOptions, uniform } from '@tessera/nn';
import { bernoulliLogProb, checkBinaryInput, checkSampleCount, hostValues, sigmoid } from './bernoulli.js';
import { nadeLogits } from './nade-op.js';

export interface NADEOptions extends ModuleOptions {
  /** Hidden units d (default 500). */
  hidden?: number;
}

/**
 * Neural autoregressive distribution estimator (Larochelle & Murray 2011) in the natural order: one
 * hidden layer shared by all the conditionals, hᵢ = σ(c + Σⱼ₍<ᵢ₎ xⱼWⱼ), p(xᵢ = 1 | x<ᵢ) = σ(bᵢ + Vᵢ·hᵢ),
 * computed incrementally in O(n·d). W and V are [n, d] (row i: the weights out of and into variable i);
 * 2nd + n + d parameters (785,284 at n = 784, d = 500).
 */
export class NADE extends Module {
  readonly weight: Tensor;
  readonly hiddenBias: Tensor;
  readonly outWeight: Tensor;
  readonly outBias: Tensor;
  readonly hidden: number;
  readonly ordering: readonly number[];

  constructor(
    readonly n: number,
    options: NADEOptions = {},
  ) {
    super();
    const d = options.hidden ?? 500;
    if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1))
      throw new TesseraError('NADE', `n and hidden must be positive integers, got n = ${n}, hidden = ${d}`);
    this.hidden = d;
    const opts = { dtype: options.dtype, device: options.device, context: options.context };
    this.weight = this.registerParameter(
      'weight',
      uniform([n, d], -1 / Math.sqrt(n), 1 / Math.sqrt(n), opts),
    );
    this.hiddenBias = this.registerParameter('hiddenBias', zeros([d], { ...opts, dtype: this.weight.dtype }));
    this.outWeight = this.registerParameter(
      'outWeight',
      uniform([n, d], -1 / Math.sqrt(d), 1 / Math.sqrt(d), opts),
    );
    this.outBias = this.registerParameter('outBias', zeros([n], { ...opts, dtype: this.weight.dtype }));
    this.ordering = Array.from({ length: n }, (_, i) => i);
  }

  /** Logits of p(xᵢ = 1 | x<ᵢ) for every i, [B, n] → [B, n] (teacher forcing: x<ᵢ from the input). */
  conditionalLogits(x: Tensor): Tensor {
    checkBinaryInput('NADE', x, this.n);
    return nadeLogits(x.cast(this.weight.dtype), this.weight, this.hiddenBias, this.outWeight, this.outBias);
  }

  forward(x: Tensor): Tensor {
    return this.logProb(x);
  }

  /** Exact log p(x) in nats, [B, n] → [B]. */
  logProb(x: Tensor): Tensor {
    return bernoulliLogProb(this.conditionalLogits(x), x.cast(this.weight.dtype));
  }

  /**
   * `count` ancestral samples, [count, n] f32 on the CPU, by the incremental recurrence on the host
   * (aᵢ₊₁ = aᵢ + xᵢWᵢ after drawing xᵢ), with uniforms from `Rng(seed)`.
   */
  sample(count: number, options: { seed: number }): Tensor {
    checkSampleCount('NADE.sample', count);
    const { n, hidden: d } = this;
    const w = hostValues(this.weight);
    const c = hostValues(this.hiddenBias);
    const v = hostValues(this.outWeight);
    const b = hostValues(this.outBias);
    const rng = new Rng(options.seed);
    const out = new Float32Array(count * n);
    const a = new Float64Array(d);
    for (let s = 0; s < count; s++) {
      a.set(c);
      for (let i = 0; i < n; i++) {
        let l = b[i];
        for (let k = 0; k < d; k++) l += v[i * d + k] * sigmoid(a[k]);
        const xi = rng.next() < sigmoid(l) ? 1 : 0;
        out[s * n + i] = xi;
        if (xi === 1) for (let k = 0; k < d; k++) a[k] += w[i * d + k];
      }
    }
    return tensor(out, [count, n], { context: this.weight.ctx });
  }
}
