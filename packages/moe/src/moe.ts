import { noGrad } from '@tessera/autograd';
import { keep, onesLike, type Tensor, TesseraError, tidy } from '@tessera/core';
import { Module, type ModuleOptions, SwiGLU } from '@tessera/nn';
import { SwiGLUExperts } from './experts.js';
import { loadBalancingLoss, routerZLoss } from './losses.js';
import { loadMetrics, type MoEMetrics } from './metrics.js';
import { combine, permute } from './permute.js';
import { type Router, SigmoidRouter, SoftmaxRouter } from './router.js';
import { expertCapacity, route } from './routing.js';

export interface MoEOptions extends ModuleOptions {
  /** Routed experts E. */
  experts: number;
  /** Experts per token k. */
  topK: number;
  /** Hidden width of each routed expert (fine-grained experts: small). */
  hidden: number;
  /** Always-on shared experts (DeepSeekMoE), applied to every token and added. Default 0. */
  sharedExperts?: number;
  /** Hidden width of each shared expert (default `hidden`); they run as one SwiGLU of sharedExperts·sharedHidden. */
  sharedHidden?: number;
  /** 'softmax' (Switch, GShard, Mixtral) or 'sigmoid' (DeepSeek-V3, Moonlight). Default 'softmax'. */
  router?: 'softmax' | 'sigmoid';
  /** Softmax router: renormalize the chosen probabilities (default false). */
  renormalize?: boolean;
  /** Sigmoid router: the routed scaling factor (default 1). */
  routedScaling?: number;
  /** Multiplicative router-input jitter in training (default 0). */
  jitter?: number;
  /**
   * Capacity mode: each expert takes at most ⌈tokens·k/E·capacityFactor⌉ slots, the rest are
   * dropped (the token keeps only its residual and shared path). Default null: dropless.
   */
  capacityFactor?: number | null;
  /** Coefficient α of the Switch load-balancing loss (default 0: off). */
  auxLossCoef?: number;
  /** 'batch' or 'sequence' (per sequence of a [b, s, dim] input). Default 'batch'. */
  auxLossScope?: 'batch' | 'sequence';
  /** Coefficient of the router z-loss (default 0: off). */
  zLossCoef?: number;
  /** γ of auxiliary-loss-free balancing: `updateBias()` moves each bias by ±γ. Default 0.001. */
  biasUpdateRate?: number;
}

/**
 * A mixture-of-experts feed-forward layer with the call signature of a dense one:
 * forward(x [..., dim]) → [..., dim]. A router picks k of E SwiGLU experts per token; the
 * token-slots are sorted by expert (`route`, `permute`), every expert's rows go through three
 * grouped matrix products at once, and `combine` sums each token's k expert outputs weighted by
 * the router (gradients reach the gate through those weights). Shared experts, when configured,
 * see every token. Dropless by default; `capacityFactor` switches to capacity mode.
 *
 * After a training forward, `auxLoss()` holds its load-balancing and z-loss terms (add it to the
 * loss in the same `tidy`), `metrics()` reads the load, and `updateBias()` applies one step of
 * auxiliary-loss-free balancing.
 */
export class MoE extends Module {
  readonly router: Router;
  readonly experts: SwiGLUExperts;
  readonly shared: SwiGLU | undefined;
  readonly topK: number;
  readonly numExperts: number;
  readonly capacityFactor: number | null;
  readonly auxLossCoef: number;
  readonly auxLossScope: 'batch' | 'sequence';
  readonly zLossCoef: number;
  readonly biasUpdateRate: number;
  private lastLoad: Tensor | undefined;
  private lastDropped: Tensor | undefined;
  private lastSlots = 0;
  private lastAux: Tensor | undefined;

  constructor(
    readonly dim: number,
    options: MoEOptions,
  ) {
    super();
    const { experts, topK, hidden } = options;
    const bad = (what: string): never => {
      throw new TesseraError('MoE', what);
    };
    if (!Number.isInteger(dim) || dim < 1) bad(`dim must be a positive integer, got ${dim}`);
    if (!Number.isInteger(hidden) || hidden < 1) bad(`hidden must be a positive integer, got ${hidden}`);
    const cf = options.capacityFactor ?? null;
    if (cf !== null && !(cf > 0)) bad(`capacityFactor must be positive or null (dropless), got ${cf}`);
    const kind = options.router ?? 'softmax';
    if (kind !== 'softmax' && kind !== 'sigmoid')
      bad(`router must be 'softmax' or 'sigmoid', got '${String(kind)}'`);
    this.topK = topK;
    this.numExperts = experts;
    this.capacityFactor = cf;
    this.auxLossCoef = options.auxLossCoef ?? 0;
    this.auxLossScope = options.auxLossScope ?? 'batch';
    this.zLossCoef = options.zLossCoef ?? 0;
    this.biasUpdateRate = options.biasUpdateRate ?? 0.001;
    this.router = this.register(
      'router',
      kind === 'softmax' ? new SoftmaxRouter(dim, options) : new SigmoidRouter(dim, options),
    );
    this.experts = this.register('experts', new SwiGLUExperts(experts, dim, hidden, options));
    const shared = options.sharedExperts ?? 0;
    if (!Number.isInteger(shared) || shared < 0)
      bad(`sharedExperts must be a non-negative integer, got ${shared}`);
    this.shared =
      shared > 0
        ? this.register('shared', new SwiGLU(dim, shared * (options.sharedHidden ?? hidden), options))
        : undefined;
  }

  forward(x: Tensor): Tensor {
    const dim = x.shape[x.rank - 1];
    if (x.rank < 2 || dim !== this.dim) {
      throw new TesseraError('MoE', `input must be [..., ${this.dim}], got [${x.shape.join(', ')}]`);
    }
    const n = x.size / dim;
    const flat = x.reshape([n, dim]);
    const r = this.router.forward(flat);
    const capacity =
      this.capacityFactor === null
        ? null
        : expertCapacity(n, this.topK, this.numExperts, this.capacityFactor);
    const routing = route(r.indices, this.numExperts, capacity);
    const ones = noGrad(() => onesLike(r.weights), x.ctx);
    const buffer = permute(flat, routing.dest, ones, routing.rows);
    let out = combine(this.experts.forward(buffer, routing.offsets), routing.dest, r.weights);
    if (this.shared) out = out.add(this.shared.forward(flat));
    this.record(routing.load, routing.dropped, n * this.topK);
    this.lastAux = undefined;
    if (this.training && (this.auxLossCoef > 0 || this.zLossCoef > 0)) {
      const terms: Tensor[] = [];
      if (this.auxLossCoef > 0) {
        const seqLen = this.auxLossScope === 'sequence' && x.rank >= 3 ? x.shape[x.rank - 2] : n;
        terms.push(
          loadBalancingLoss(r.probs, r.indices, { coef: this.auxLossCoef, scope: this.auxLossScope, seqLen }),
        );
      }
      if (this.zLossCoef > 0) terms.push(routerZLoss(r.logits, this.zLossCoef));
      this.lastAux = terms.length === 1 ? terms[0] : terms[0].add(terms[1]);
    }
    return out.reshape([...x.shape]);
  }

  /** Keeps the last forward's load and drop count (for metrics and bias updates) past any tidy. */
  private record(load: Tensor, dropped: Tensor, slots: number): void {
    this.lastLoad?.dispose();
    this.lastDropped?.dispose();
    this.lastLoad = keep(load);
    this.lastDropped = keep(dropped);
    this.lastSlots = slots;
  }

  /**
   * The load-balancing and z-loss terms of the last training forward (a scalar to add to the
   * loss, within the same tidy), or undefined when both coefficients are 0.
   */
  auxLoss(): Tensor | undefined {
    return this.lastAux;
  }

  /** Tokens per expert, coefficient of variation and max/mean of the load, dropped fraction, of the last forward. */
  async metrics(): Promise<MoEMetrics> {
    if (!this.lastLoad || !this.lastDropped) {
      throw new TesseraError('MoE.metrics', 'no forward has run yet: metrics describe the last forward');
    }
    const load = Array.from(await this.lastLoad.data());
    const dropped = Number((await this.lastDropped.data())[0]);
    return loadMetrics(load, dropped, this.lastSlots);
  }

  /**
   * One step of auxiliary-loss-free balancing (DeepSeek-V3) from the last forward's load:
   * bᵢ ← bᵢ + γ·sign(mean load − loadᵢ), outside autograd. Overloaded experts become less
   * likely to be chosen; the combine weights never see b.
   */
  updateBias(rate = this.biasUpdateRate): void {
    const load = this.lastLoad;
    if (!load) throw new TesseraError('MoE.updateBias', 'no forward has run yet: the update needs its load');
    const bias = this.router.bias;
    noGrad(
      () =>
        tidy(() => {
          const l = load.cast(bias.dtype);
          bias.assign(bias.add(l.mean().sub(l).sign().mul(rate)));
        }, bias.ctx),
      bias.ctx,
    );
  }

  override dispose(): void {
    this.lastLoad?.dispose();
    this.lastDropped?.dispose();
    this.lastLoad = undefined;
    this.lastDropped = undefined;
    super.dispose();
  }
}
