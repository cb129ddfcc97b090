import { noGrad } from '@tessera/autograd';
import { rand, type Tensor, TesseraError, zeros } from '@tessera/core';
import { Linear, Module, type ModuleOptions } from '@tessera/nn';
import { topKIndices } from './routing.js';

/** What a router decides for N tokens over E experts. */
export interface RouterOutput {
  /** [N, E]: the gate's raw outputs (the z-loss reads these). */
  logits: Tensor;
  /** [N, E]: each token's distribution over experts (rows sum to 1) for the auxiliary loss. */
  probs: Tensor;
  /** i32 [N, k]: the chosen experts, best first. */
  indices: Tensor;
  /** [N, k]: combine weights of the chosen experts (differentiable: gradients reach the gate). */
  weights: Tensor;
}

export interface RouterOptions extends ModuleOptions {
  /** Routed experts E. */
  experts: number;
  /** Experts per token k. */
  topK: number;
  /**
   * Multiplicative jitter in training (Switch Transformer): the gate's input is scaled by
   * U(1 − jitter, 1 + jitter) per element, drawn from the context's seeded RNG. Default 0.
   */
  jitter?: number;
}

/**
 * The common part of the routers: a bias-free linear gate dim → E, optional input jitter in
 * training, and a selection bias [E] (a buffer, not a parameter) that is added to the scores
 * only to choose the top k — it never enters the combine weights — and that
 * auxiliary-loss-free balancing moves (`MoE.updateBias`).
 */
export abstract class Router extends Module {
  readonly gate: Linear;
  readonly bias: Tensor;
  readonly experts: number;
  readonly topK: number;
  readonly jitter: number;

  constructor(
    readonly dim: number,
    options: RouterOptions,
  ) {
    super();
    const { experts, topK } = options;
    if (!Number.isInteger(experts) || experts < 1 || !Number.isInteger(topK) || topK < 1 || topK > experts) {
      throw new TesseraError(
        this.constructor.name,
        `needs 1 ≤ topK ≤ experts (integers), got topK ${topK}, experts ${experts}`,
      );
    }
    const jitter = options.jitter ?? 0;
    if (!(jitter >= 0 && jitter < 1)) {
      throw new TesseraError(this.constructor.name, `jitter must be in [0, 1), got ${jitter}`);
    }
    this.experts = experts;
    this.topK = topK;
    this.jitter = jitter;
    this.gate = this.register('gate', new Linear(dim, experts, { ...options, bias: false }));
    this.bias = this.registerBuffer(
      'bias',
      zeros([experts], { dtype: options.dtype ?? 'f32', device: options.device, context: options.context }),
    );
  }

  /** Logits [N, E] of tokens x [N, dim], with the training jitter. */
  protected logitsOf(x: Tensor): Tensor {
    if (!this.training || this.jitter === 0) return this.gate.forward(x);
    const u = rand([...x.shape], { dtype: x.dtype as 'f32', device: x.device, context: x.ctx });
    const noise = noGrad(() => u.mul(2 * this.jitter).add(1 - this.jitter), x.ctx);
    return this.gate.forward(x.mul(noise));
  }

  /** The k experts with the largest biased scores. */
  protected select(scores: Tensor): Tensor {
    const biased = noGrad(() => scores.add(this.bias), scores.ctx);
    return topKIndices(biased, this.topK);
  }

  abstract override forward(x: Tensor): RouterOutput;
}

export interface SoftmaxRouterOptions extends RouterOptions {
  /** Rescale the chosen k probabilities to sum to 1 (Mixtral) rather than keep them (Switch, GShard). Default false. */
  renormalize?: boolean;
}

/**
 * p = softmax(x·W_g); the k largest (biased) probabilities choose the experts and their
 * unbiased probabilities weight them — renormalized over the k when `renormalize`.
 */
export class SoftmaxRouter extends Router {
  readonly renormalize: boolean;

  constructor(dim: number, options: SoftmaxRouterOptions) {
    super(dim, options);
    this.renormalize = options.renormalize ?? false;
  }

  forward(x: Tensor): RouterOutput {
    const logits = this.logitsOf(x);
    const probs = logits.softmax(-1);
    const indices = this.select(probs);
    let weights = probs.gather(1, indices);
    if (this.renormalize) weights = weights.div(weights.sum(-1, true));
    return { logits, probs, indices, weights };
  }
}

export interface SigmoidRouterOptions extends RouterOptions {
  /** Multiplies the normalized combine weights (DeepSeek-V3's routed scaling factor; Moonlight 2.446). Default 1. */
  routedScaling?: number;
}

/**
 * DeepSeek-V3's router: scores s = σ(x·W_g); the top k of s + b choose (b the selection bias),
 * and the combine weights are the chosen unbiased scores normalized over the chosen experts,
 * times the routed scaling factor: wⱼ = scale · s_{eⱼ} / Σᵢ s_{eᵢ}. For the auxiliary loss each
 * token's scores are normalized over all experts.
 */
export class SigmoidRouter extends Router {
  readonly routedScaling: number;

  constructor(dim: number, options: SigmoidRouterOptions) {
    super(dim, options);
    this.routedScaling = options.routedScaling ?? 1;
  }

  forward(x: Tensor): RouterOutput {
    const logits = this.logitsOf(x);
    const scores = logits.sigmoid();
    const indices = this.select(scores);
    const chosen = scores.gather(1, indices);
    const weights = chosen.div(chosen.sum(-1, true)).mul(this.routedScaling);
    const probs = scores.div(scores.sum(-1, true));
    return { logits, probs, indices, weights };
  }
}
