import { type Tensor, TesseraError, tensor, zeros } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Module, type ModuleOptions, uniform } from '@tessera/nn';
import { bernoulliLogProb, checkBinaryInput, checkSampleCount, hostValues, sigmoid } from './bernoulli.js';

/**
 * Fully visible sigmoid belief network (Frey 1998): one logistic regression per variable on all the
 * variables before it, p(xᵢ = 1 | x<ᵢ) = σ(bᵢ + Σⱼ₍<ᵢ₎ Wᵢⱼ xⱼ), in the natural order. The strictly lower
 * triangle of W is stored packed (row i's i weights at i(i−1)/2), so the model has n(n−1)/2 + n =
 * n(n+1)/2 parameters (307,720 at n = 784).
 */
export class FVSBN extends Module {
  /** Packed strictly-lower-triangular weights: Wᵢⱼ (j < i) at i(i−1)/2 + j. */
  readonly weight: Tensor;
  readonly bias: Tensor;
  /** ordering[t] = t: the natural order. */
  readonly ordering: readonly number[];
  /** For each entry of the dense [n, n] matrix, 1 + its packed index, or 0 (the padded zero) on and above the diagonal. */
  private readonly unpack: Tensor;

  constructor(
    readonly n: number,
    options: ModuleOptions = {},
  ) {
    super();
    if (!(Number.isInteger(n) && n >= 1))
      throw new TesseraError('FVSBN', `the number of variables must be a positive integer, got ${n}`);
    const bound = 1 / Math.sqrt(n);
    const packed = (n * (n - 1)) / 2;
    this.weight = this.registerParameter('weight', uniform([packed], -bound, bound, options));
    this.bias = this.registerParameter(
      'bias',
      zeros([n], { dtype: this.weight.dtype, context: options.context }),
    );
    this.ordering = Array.from({ length: n }, (_, i) => i);
    const index = new Int32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) index[i * n + j] = 1 + (i * (i - 1)) / 2 + j;
    this.unpack = tensor(index, [n * n], { dtype: 'i32', context: options.context });
  }

  /** The dense [n, n] weight matrix, zero on and above the diagonal (differentiable in `weight`). */
  denseWeight(): Tensor {
    return this.weight
      .pad([1, 0])
      .indexSelect(0, this.unpack.to(this.weight.device))
      .reshape([this.n, this.n]);
  }

  /** Logits of p(xᵢ = 1 | x<ᵢ) for every i at once: x·Wᵀ + b. [B, n] → [B, n]. */
  conditionalLogits(x: Tensor): Tensor {
    checkBinaryInput('FVSBN', x, this.n);
    return x.matmul(this.denseWeight().transpose()).add(this.bias);
  }

  forward(x: Tensor): Tensor {
    return this.logProb(x);
  }

  /** Exact log p(x) in nats, [B, n] → [B]. */
  logProb(x: Tensor): Tensor {
    return bernoulliLogProb(this.conditionalLogits(x), x);
  }

  /**
   * `count` ancestral samples, [count, n] f32 on the CPU: variable i is drawn from its logistic regression on
   * the variables already drawn (O(n²) per sample on the host), with uniforms from `Rng(seed)`.
   */
  sample(count: number, options: { seed: number }): Tensor {
    checkSampleCount('FVSBN.sample', count);
    const { n } = this;
    const wd = hostValues(this.weight);
    const bd = hostValues(this.bias);
    const rng = new Rng(options.seed);
    const out = new Float32Array(count * n);
    for (let s = 0; s < count; s++) {
      const x = out.subarray(s * n, (s + 1) * n);
      for (let i = 0; i < n; i++) {
        let l = bd[i];
        const row = (i * (i - 1)) / 2;
        for (let j = 0; j < i; j++) if (x[j] !== 0) l += wd[row + j];
        x[i] = rng.next() < sigmoid(l) ? 1 : 0;
      }
    }
    return tensor(out, [count, n], { context: this.weight.ctx });
  }

  override dispose(): void {
    super.dispose();
    this.unpack.dispose();
  }
}
