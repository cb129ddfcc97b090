import { detach, noGrad } from '@tessera/autograd';
import { randn, type Tensor, TesseraError, tensor, zeros } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import { Module, type ModuleOptions } from '@tessera/nn';

export interface VectorQuantizerOptions extends ModuleOptions {
  /** Number of codes K. */
  codebookSize: number;
  /** Length D of each code (the encoder's channels). */
  codeDim: number;
  /** Weight β of the commitment loss β·mean((z − sg(e))²) (default 0.25, the VQ-VAE paper's). */
  beta?: number;
  /**
   * How the codebook learns: `'ema'` (default) moves each code to the exponential moving average
   * of the encoder outputs assigned to it (a buffer, no gradient); `'loss'` makes the codebook a
   * parameter trained by the codebook loss mean((sg(z) − e)²).
   */
  update?: 'ema' | 'loss';
  /** EMA decay (default 0.99). */
  decay?: number;
  /** Additive (Laplace) smoothing of the EMA counts (default 1e-5). */
  epsilon?: number;
}

export interface Quantized {
  /** z + sg(e − z): the codes in the forward pass, the identity for gradients (straight-through). Same shape as z. */
  quantized: Tensor;
  /** Index of the nearest code of each vector: z's shape without the channel axis, i32. */
  indices: Tensor;
  /** β·mean((z − sg(e))²), a scalar. */
  commitmentLoss: Tensor;
  /** mean((sg(z) − e)²) with `update: 'loss'`; a zero scalar with EMA updates. */
  codebookLoss: Tensor;
  /** exp(entropy of the batch's code usage): K when every code is used equally, 1 when one code is used. */
  perplexity: Tensor;
}

/**
 * Nearest-codebook vector quantization (van den Oord et al., 2017) over the channel axis of
 * z [b, D, h, w] (or rows of z [N, D]): each vector is replaced by its nearest code in Euclidean
 * distance; gradients pass straight through to z; a commitment loss keeps z near its codes; the
 * codebook learns by EMA (default) or by its own loss; `restartDeadCodes` moves codes nobody uses
 * onto encoder outputs.
 */
export class VectorQuantizer extends Module {
  readonly codebookSize: number;
  readonly codeDim: number;
  readonly beta: number;
  readonly update: 'ema' | 'loss';
  readonly decay: number;
  readonly epsilon: number;
  /** [K, D]: a parameter with `update: 'loss'`, a buffer with EMA. */
  readonly codebook: Tensor;
  /** EMA of how many vectors each code received per step ([K]; EMA only). */
  readonly emaCount: Tensor | undefined;
  /** EMA of the sum of the vectors each code received ([K, D]; EMA only). */
  readonly emaSum: Tensor | undefined;

  constructor(options: VectorQuantizerOptions) {
    super();
    const { codebookSize: k, codeDim: d } = options;
    if (!(Number.isInteger(k) && k >= 2 && Number.isInteger(d) && d >= 1)) {
      throw new TesseraError(
        'VectorQuantizer',
        `codebookSize must be an integer ≥ 2 and codeDim ≥ 1, got ${k} and ${d}`,
      );
    }
    this.codebookSize = k;
    this.codeDim = d;
    this.beta = options.beta ?? 0.25;
    this.update = options.update ?? 'ema';
    this.decay = options.decay ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-5;
    const o = { dtype: options.dtype, device: options.device, context: options.context };
    const init = randn([k, d], o);
    if (this.update === 'loss') {
      this.codebook = this.registerParameter('codebook', init);
      this.emaCount = undefined;
      this.emaSum = undefined;
    } else {
      this.codebook = this.registerBuffer('codebook', init);
      this.emaCount = this.registerBuffer('emaCount', zeros([k], o).add(1));
      this.emaSum = this.registerBuffer('emaSum', init.clone());
    }
  }

  /** Index [N] (i32) of the nearest code of each row of z [N, D]: argmin ‖z‖² − 2·z·e + ‖e‖². */
  nearest(z: Tensor): Tensor {
    if (z.rank !== 2 || z.shape[1] !== this.codeDim) {
      throw new TesseraError(
        'VectorQuantizer.nearest',
        `z must be [N, ${this.codeDim}], got [${z.shape.join(', ')}]`,
      );
    }
    const c = detach(this.codebook);
    const distances = z
      .square()
      .sum(1, true)
      .sub(z.matmul(c.transpose(0, 1)).mul(2))
      .add(c.square().sum(1).reshape([1, this.codebookSize]));
    return distances.argmin(1);
  }

  /** The codes [..., D] at `indices` (i32 of any shape): the codebook lookup used by decoding. */
  lookup(indices: Tensor): Tensor {
    if (indices.dtype !== 'i32') {
      throw new TesseraError('VectorQuantizer.lookup', `indices must be i32, got ${indices.dtype}`);
    }
    return this.codebook.indexSelect(0, indices.reshape([-1])).reshape([...indices.shape, this.codeDim]);
  }

  /**
   * Quantizes z: [b, D, h, w] (channels first, as a convolution gives) or [N, D]. While training
   * with EMA updates it also moves the codebook (without gradient), like batch norm's statistics.
   */
  forward(z: Tensor): Quantized {
    const channelsFirst = z.rank === 4;
    if (!(channelsFirst || z.rank === 2) || z.shape[1] !== this.codeDim) {
      throw new TesseraError(
        'VectorQuantizer',
        `z must be [batch, ${this.codeDim}, height, width] or [N, ${this.codeDim}], got [${z.shape.join(', ')}]`,
      );
    }
    const rows = channelsFirst ? z.permute([0, 2, 3, 1]).reshape([-1, this.codeDim]) : z;
    const flatIndices = this.nearest(detach(rows));
    const codes = this.codebook.indexSelect(0, flatIndices);
    const commitmentLoss = rows.sub(detach(codes)).square().mean().mul(this.beta);
    const codebookLoss =
      this.update === 'loss'
        ? detach(rows).sub(codes).square().mean()
        : zeros([], { context: z.ctx, device: z.device });
    const straight = rows.add(detach(codes.sub(rows)));
    const usage = flatIndices.oneHot(this.codebookSize).mean(0);
    const perplexity = usage.mul(usage.add(1e-10).log()).sum().neg().exp();
    if (this.training && this.update === 'ema') this.emaStep(detach(rows), flatIndices);
    if (!channelsFirst)
      return { quantized: straight, indices: flatIndices, commitmentLoss, codebookLoss, perplexity };
    const [b, , h, w] = z.shape;
    return {
      quantized: straight.reshape([b, h, w, this.codeDim]).permute([0, 3, 1, 2]),
      indices: flatIndices.reshape([b, h, w]),
      commitmentLoss,
      codebookLoss,
      perplexity,
    };
  }

  /**
   * One EMA step: N_k ← γ·N_k + (1 − γ)·n_k, m_k ← γ·m_k + (1 − γ)·Σ_{i→k} z_i, and
   * e_k ← m_k / Ñ_k with Laplace-smoothed counts Ñ_k = (N_k + ε)/(ΣN + K·ε)·ΣN.
   */
  private emaStep(rows: Tensor, indices: Tensor): void {
    const { emaCount, emaSum } = this;
    if (!emaCount || !emaSum) return;
    noGrad(() => {
      const assign = indices.oneHot(this.codebookSize);
      const count = emaCount.mul(this.decay).add(assign.sum(0).mul(1 - this.decay));
      const sum = emaSum.mul(this.decay).add(
        assign
          .transpose(0, 1)
          .matmul(rows)
          .mul(1 - this.decay),
      );
      const total = count.sum();
      const smoothed = count
        .add(this.epsilon)
        .div(total.add(this.codebookSize * this.epsilon))
        .mul(total);
      emaCount.assign(count);
      emaSum.assign(sum);
      this.codebook.assign(sum.div(smoothed.reshape([this.codebookSize, 1])));
    }, rows.ctx);
  }

  /**
   * Dead-code restarts: every code whose EMA count (or, with `update: 'loss'`, whose use in `z`)
   * is below `threshold` moves onto a randomly drawn row of z [N, D] (recent encoder outputs), with
   * its EMA statistics reset to that one vector. Host code (reads the statistics synchronously:
   * CPU tensors). Returns how many codes were restarted.
   */
  restartDeadCodes(z: Tensor, rng: Rng, threshold = 1): number {
    if (z.rank !== 2 || z.shape[1] !== this.codeDim) {
      throw new TesseraError(
        'VectorQuantizer.restartDeadCodes',
        `z must be [N, ${this.codeDim}] encoder outputs, got [${z.shape.join(', ')}]`,
      );
    }
    const [n, d] = z.shape;
    const k = this.codebookSize;
    return noGrad(() => {
      const counts = Array.from(
        (this.emaCount ?? this.nearest(z).oneHot(k).sum(0)).dataSync() as ArrayLike<number>,
        Number,
      );
      const dead = counts.flatMap((c, i) => (c < threshold ? [i] : []));
      if (dead.length === 0) return 0;
      const rows = Array.from(z.dataSync() as ArrayLike<number>, Number);
      const book = Array.from(this.codebook.dataSync() as ArrayLike<number>, Number);
      for (const code of dead) {
        const from = rng.int(n);
        for (let j = 0; j < d; j++) book[code * d + j] = rows[from * d + j];
      }
      const o = { context: z.ctx, device: this.codebook.device, dtype: this.codebook.dtype };
      const codebook = tensor(book, [k, d], o);
      this.codebook.assign(codebook);
      if (this.emaCount && this.emaSum) {
        const fresh = counts.map((c, i) => (dead.includes(i) ? 1 : c));
        // With count 1 the EMA sum of a restarted code is the code itself.
        const sums = Array.from(this.emaSum.dataSync() as ArrayLike<number>, Number);
        for (const code of dead) for (let j = 0; j < d; j++) sums[code * d + j] = book[code * d + j];
        this.emaCount.assign(tensor(fresh, [k], o));
        this.emaSum.assign(tensor(sums, [k, d], o));
      }
      return dead.length;
    }, z.ctx);
  }
}
