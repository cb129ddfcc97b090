import { noGrad } from '@tessera/autograd';
import { stack, type Tensor, TesseraError, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { linear, MaskedLinear, Module, type ModuleOptions } from '@tessera/nn';
import { bernoulliLogProb, checkBinaryInput, checkSampleCount, sampleByPasses } from './bernoulli.js';

export interface MADEOptions extends ModuleOptions {
  /** Hidden layer sizes (default [500]). */
  hidden?: readonly number[];
  /** Mask sets K for connectivity-agnostic training and the test-time ensemble (default 1). */
  masks?: number;
  /** 'natural': every set keeps the order 0…n−1; 'random': each set draws its own ordering (default 'natural'). */
  ordering?: 'natural' | 'random';
  /** Direct input → output connections, masked like the output layer (default false). */
  direct?: boolean;
  /** Seed of the orderings and hidden-unit degrees (default 0). */
  seed?: number;
}

/** One mask set: an ordering and a 0/1 mask per layer ([out, in], row-major). */
export interface MaskSet {
  /** ordering[t]: the variable at position t. */
  ordering: number[];
  /** The masks of the hidden layers, then the output layer, then (with `direct`) the direct layer. */
  masks: Uint8Array[];
}

/**
 * Draws K mask sets (Germain et al. 2015): variable v gets degree m(v) = its position + 1; each hidden
 * unit of layer l a degree uniform in [min of layer l−1's degrees, n − 1]; a hidden weight connects unit j
 * to k when m_l(k) ≥ m_{l−1}(j), an output weight unit k to variable v when m(v) > m_L(k). So output v
 * depends only on the variables before it in the ordering.
 */
export function madeMaskSets(
  n: number,
  hidden: readonly number[],
  options: { masks: number; ordering: 'natural' | 'random'; direct: boolean; seed: number },
): MaskSet[] {
  const rng = new Rng(options.seed);
  return Array.from({ length: options.masks }, () => {
    const ordering =
      options.ordering === 'random' ? rng.permutation(n) : Array.from({ length: n }, (_, i) => i);
    const input = new Int32Array(n);
    ordering.forEach((v, t) => {
      input[v] = t + 1;
    });
    const degrees: Int32Array[] = [input];
    for (const size of hidden) {
      const prev = degrees[degrees.length - 1];
      const low = Math.min(...prev, n - 1);
      degrees.push(Int32Array.from({ length: size }, () => low + rng.int(n - low)));
    }
    const connect = (to: Int32Array, from: Int32Array, strict: boolean): Uint8Array => {
      const m = new Uint8Array(to.length * from.length);
      for (let k = 0; k < to.length; k++)
        for (let j = 0; j < from.length; j++)
          m[k * from.length + j] = (strict ? to[k] > from[j] : to[k] >= from[j]) ? 1 : 0;
      return m;
    };
    const masks = hidden.map((_, l) => connect(degrees[l + 1], degrees[l], false));
    masks.push(connect(input, degrees[degrees.length - 1], true));
    if (options.direct) masks.push(connect(input, input, true));
    return { ordering, masks };
  });
}

/**
 * Masked autoencoder for distribution estimation (Germain et al. 2015): a ReLU MLP from x to the logits of
 * every conditional, with MaskedLinear layers whose masks enforce the autoregressive property. With K mask
 * sets (orderings and connectivities), training switches sets between steps (`useMask`), and `logProb`
 * averages the K models' probabilities: a mixture of K exact autoregressive models, itself exact.
 */
export class MADE extends Module {
  readonly layers: MaskedLinear[];
  readonly direct: MaskedLinear | undefined;
  readonly maskSets: readonly MaskSet[];
  private current = 0;

  constructor(
    readonly n: number,
    options: MADEOptions = {},
  ) {
    super();
    const hidden = options.hidden ?? [500];
    const k = options.masks ?? 1;
    if (!(Number.isInteger(n) && n >= 2))
      throw new TesseraError('MADE', `the number of variables must be an integer ≥ 2, got ${n}`);
    if (hidden.length === 0 || !hidden.every((h) => Number.isInteger(h) && h >= 1))
      throw new TesseraError(
        'MADE',
        `hidden must be one or more positive integers, got [${hidden.join(', ')}]`,
      );
    if (!(Number.isInteger(k) && k >= 1))
      throw new TesseraError('MADE', `masks must be a positive integer, got ${k}`);
    const sizes = [n, ...hidden, n];
    this.layers = sizes
      .slice(1)
      .map((out, l) => this.register(`layer${l}`, new MaskedLinear(sizes[l], out, options)));
    this.direct = options.direct
      ? this.register('direct', new MaskedLinear(n, n, { ...options, bias: false }))
      : undefined;
    this.maskSets = madeMaskSets(n, hidden, {
      masks: k,
      ordering: options.ordering ?? 'natural',
      direct: options.direct ?? false,
      seed: options.seed ?? 0,
    });
    this.useMask(0);
  }

  /** The mask set in use (for `conditionalLogits`, and `logProb` with `mask`). */
  get maskIndex(): number {
    return this.current;
  }

  /** The ordering of the mask set in use. */
  get ordering(): readonly number[] {
    return this.maskSets[this.current].ordering;
  }

  /**
   * Switches every layer's mask buffer to set k (training cycles through the sets between steps; run
   * backward on a graph before switching, since the buffers are rebound).
   */
  useMask(k: number): void {
    this.checkSet('MADE.useMask', k);
    const { masks } = this.maskSets[k];
    this.layers.forEach((layer, l) => {
      layer.setMask(masks[l]);
    });
    this.direct?.setMask(masks[this.layers.length]);
    this.current = k;
  }

  /**
   * Logits of p(x_v = 1 | the variables before v in the ordering), [B, n] → [B, n], under the current mask
   * set or under set `mask` (passed to the layers for this call; the current set stays).
   */
  conditionalLogits(x: Tensor, options: { mask?: number } = {}): Tensor {
    checkBinaryInput('MADE', x, this.n);
    const k = options.mask ?? this.current;
    this.checkSet('MADE.conditionalLogits', k);
    const masks = k === this.current ? undefined : this.maskTensors(k);
    const input = x.cast(this.layers[0].weight.dtype);
    let h = input;
    this.layers.forEach((layer, l) => {
      h = layer.forward(h, masks?.[l]);
      if (l < this.layers.length - 1) h = h.relu();
    });
    return this.direct ? h.add(this.direct.forward(input, masks?.[this.layers.length])) : h;
  }

  /** Mask set k's masks as tensors of the weights' dtype and device. */
  private maskTensors(k: number): Tensor[] {
    const { dtype, device, ctx } = this.layers[0].weight;
    const layers = this.direct ? [...this.layers, this.direct] : this.layers;
    return layers.map((layer, l) =>
      tensor(Float32Array.from(this.maskSets[k].masks[l]), [layer.outFeatures, layer.inFeatures], {
        context: ctx,
      })
        .to(device)
        .cast(dtype),
    );
  }

  private checkSet(op: string, k: number): void {
    if (!(Number.isInteger(k) && k >= 0 && k < this.maskSets.length))
      throw new TesseraError(op, `mask set must be an integer in [0, ${this.maskSets.length - 1}], got ${k}`);
  }

  forward(x: Tensor): Tensor {
    return this.logProb(x);
  }

  /**
   * Exact log p(x) in nats, [B, n] → [B]: under mask set `mask` alone when given, else the ensemble
   * log (1/K) Σₖ pₖ(x) over all K sets.
   */
  logProb(x: Tensor, options: { mask?: number } = {}): Tensor {
    const xs = x.cast(this.layers[0].weight.dtype);
    if (options.mask !== undefined) return bernoulliLogProb(this.conditionalLogits(xs, options), xs);
    const each = this.maskSets.map((_, k) => bernoulliLogProb(this.conditionalLogits(xs, { mask: k }), xs));
    if (each.length === 1) return each[0];
    return stack(each, 0).logsumexp(0).sub(Math.log(each.length));
  }

  /**
   * `count` samples of the ensemble, [count, n] f32 on the CPU: each sample picks a mask set uniformly, then
   * is drawn ancestrally in that set's ordering (n passes through the network per set used), with all
   * randomness from `Rng(seed)`.
   */
  sample(count: number, options: { seed: number }): Tensor {
    checkSampleCount('MADE.sample', count);
    const rng = new Rng(options.seed);
    const sets = Array.from({ length: count }, () => rng.int(this.maskSets.length));
    const out = new Float32Array(count * this.n);
    const { dtype, device, ctx } = this.layers[0].weight;
    for (let k = 0; k < this.maskSets.length; k++) {
      const rows = sets.flatMap((s, i) => (s === k ? [i] : []));
      if (rows.length === 0) continue;
      // The masked weights once per set, not once per pass.
      const weights = noGrad(
        () =>
          tidy(() => {
            const masks = this.maskTensors(k);
            const layers = this.direct ? [...this.layers, this.direct] : this.layers;
            return layers.map((layer, l) => layer.weight.mul(masks[l]));
          }, ctx),
        ctx,
      );
      const logits = (x: Tensor): Tensor => {
        let h = x;
        this.layers.forEach((layer, l) => {
          h = linear(h, weights[l], layer.bias);
          if (l < this.layers.length - 1) h = h.relu();
        });
        return this.direct ? h.add(linear(x, weights[this.layers.length])) : h;
      };
      const drawn = noGrad(
        () =>
          sampleByPasses({
            n: this.n,
            count: rows.length,
            ordering: this.maskSets[k].ordering,
            logits,
            rng,
            context: ctx,
            dtype,
            device,
          }),
        ctx,
      );
      rows.forEach((row, i) => {
        out.set(drawn.subarray(i * this.n, (i + 1) * this.n), row * this.n);
      });
      for (const w of weights) w.dispose();
    }
    return tensor(out, [count, this.n], { context: ctx });
  }
}
