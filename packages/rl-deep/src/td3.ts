import { backward, noGrad, requiresGrad } from '@tessera/autograd';
import { type Context, manualSeed, minimum, randn, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { type Activation, deserialize, type Module, mseLoss, serialize } from '@tessera/nn';
import { Adam } from '@tessera/optim';
import type { Box, Env } from '@tessera/rl';
import { type ActionNoise, GaussianNoise, OrnsteinUhlenbeckNoise } from './action-noise.js';
import { checkBoundedBox, scaleAction, unscaleAction } from './action-scaling.js';
import { Actor, Critic } from './networks.js';
import { ReplayBuffer, type TransitionBatch } from './replay-buffer.js';
import { softUpdate } from './soft-update.js';

/** An environment with real-vector observations and actions in bounded boxes (e.g. `Pendulum`). */
export type ContinuousEnv = Env<Float64Array, Float64Array, object> & {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
};

export type NoiseKind = 'gaussian' | 'ornstein-uhlenbeck' | 'none';

export interface TD3Config {
  /** Hidden widths of the actor and of each critic; default [64, 64]. */
  hidden?: readonly number[];
  /** Hidden activation of both; default ReLU. */
  activation?: Activation;
  /** Discount γ; default 0.99. */
  gamma?: number;
  /** Soft target update rate τ; default 0.005. */
  tau?: number;
  /** Adam learning rate of the actor and of the critics; default 1e-3. */
  learningRate?: number;
  /** Transitions per gradient step; default 256. */
  batchSize?: number;
  /** Replay buffer capacity; default 1,000,000. */
  bufferSize?: number;
  /** Steps of uniformly random actions before the policy acts and learning begins; default 100. */
  learningStarts?: number;
  /** Environment steps between training rounds; default 1. */
  trainFreq?: number;
  /** Gradient steps per training round; default 1. */
  gradientSteps?: number;
  /** Exploration noise on the scaled action: a kind (σ = `noiseSigma`) or your own; default Gaussian. */
  actionNoise?: NoiseKind | ActionNoise;
  /** σ of the built-in exploration noise, in the scaled [−1, 1] action units; default 0.1. */
  noiseSigma?: number;
  /** Critic updates per actor (and target) update; TD3 default 2. */
  policyDelay?: number;
  /** σ of the Gaussian smoothing noise on the target action; TD3 default 0.2. */
  targetPolicyNoise?: number;
  /** The smoothing noise is clipped to [−c, c]; TD3 default 0.5. */
  targetNoiseClip?: number;
  /** Number of critics; the target takes their minimum; TD3 default 2. */
  nCritics?: number;
  /** Seeds the networks (the context's Philox stream), the buffer sampling, the noise and the env; default 0. */
  seed?: number;
  /** Where the networks live; default core's default context. */
  context?: Context;
}

type Resolved = Required<Omit<TD3Config, 'context' | 'actionNoise'>> & {
  actionNoise: NoiseKind | ActionNoise;
};

/** Progress of `learn`: steps so far, and the return of the episode that just ended, if one did. */
export interface LearnProgress {
  steps: number;
  episodeReturn?: number;
}

/**
 * TD3 (Fujimoto et al. 2018): a deterministic actor μ(s) in [−1, 1] (scaled to the action box), twin
 * critics Q₁, Q₂ and their slowly tracking targets. Each gradient step samples a batch (s, a, r, s′, d) and
 * regresses every critic on y = r + γ(1 − d)·min_i Q′_i(s′, clip(μ′(s′) + clip(ε, −c, c), −1, 1)),
 * ε ~ N(0, σ̃²); every `policyDelay` steps the actor ascends Q₁(s, μ(s)) and the targets move by
 * θ′ ← τθ + (1 − τ)θ′. Acting adds exploration noise to μ(s) after `learningStarts` uniformly random
 * steps. With one critic, no target smoothing and no delay this is DDPG (see `DDPG`). The structure and
 * defaults follow Stable-Baselines3.
 */
export class TD3 {
  readonly env: ContinuousEnv;
  readonly config: Readonly<Resolved>;
  readonly context: Context | undefined;
  readonly actor: Actor;
  readonly actorTarget: Actor;
  readonly critics: Critic[];
  readonly criticTargets: Critic[];
  readonly buffer: ReplayBuffer;
  readonly noise: ActionNoise | undefined;
  /** Environment steps taken by `learn`. */
  numTimesteps = 0;
  /** Gradient steps taken by `train`. */
  numUpdates = 0;
  /** Returns of the training episodes that have ended, in order. */
  readonly episodeReturns: number[] = [];
  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private readonly rng: Rng;
  private observation: Float64Array | undefined;
  private episodeReturn = 0;
  private envSeeded = false;
  private readonly obsDim: number;
  private readonly actDim: number;

  constructor(env: ContinuousEnv, config: TD3Config = {}) {
    const name = new.target.name; // 'DDPG' for the subclass, so errors name the class the user made
    const c = resolve(config, name);
    checkBoundedBox(name, env.actionSpace);
    this.env = env;
    this.config = c;
    this.context = config.context;
    this.obsDim = env.observationSpace.low.length;
    this.actDim = env.actionSpace.low.length;
    if (config.context) manualSeed(c.seed, config.context);
    else manualSeed(c.seed);
    const net = { hidden: c.hidden, activation: c.activation, context: config.context };
    this.actor = new Actor(this.obsDim, this.actDim, net);
    this.actorTarget = targetOf(new Actor(this.obsDim, this.actDim, net), this.actor);
    this.critics = Array.from({ length: c.nCritics }, () => new Critic(this.obsDim, this.actDim, net));
    this.criticTargets = this.critics.map((q) => targetOf(new Critic(this.obsDim, this.actDim, net), q));
    this.actorOptimizer = new Adam(this.actor.parameters(), { lr: c.learningRate });
    this.criticOptimizer = new Adam(
      this.critics.flatMap((q) => q.parameters()),
      { lr: c.learningRate },
    );
    this.rng = new Rng(c.seed);
    this.buffer = new ReplayBuffer(c.bufferSize, this.obsDim, this.actDim);
    this.noise = makeNoise(name, c.actionNoise, c.noiseSigma, this.actDim, this.rng.fork());
  }

  /** The deterministic action μ(s) in the environment's units (for evaluation and deployment). */
  predict(observation: ArrayLike<number>): Float64Array {
    return unscaleAction(this.env.actionSpace, this.actScaled(observation));
  }

  /**
   * Runs `steps` more environment steps (continuing the current episode), storing each transition and
   * training every `trainFreq` steps once `learningStarts` steps are stored. `onStep` sees every step.
   */
  learn(steps: number, onStep?: (progress: LearnProgress) => void): void {
    if (!(Number.isInteger(steps) && steps >= 0)) {
      throw new Error(`${this.name}.learn: steps must be a non-negative integer, got ${steps}`);
    }
    const { learningStarts, trainFreq, gradientSteps } = this.config;
    const space = this.env.actionSpace;
    for (let i = 0; i < steps; i++) {
      let obs = this.observation;
      if (obs === undefined) {
        const seed = this.envSeeded ? undefined : this.config.seed;
        this.envSeeded = true;
        obs = this.env.reset({ seed }).observation;
        this.noise?.reset();
        this.episodeReturn = 0;
      }
      let scaled: Float64Array;
      if (this.numTimesteps < learningStarts) {
        scaled = scaleAction(space, space.sample(this.rng));
      } else {
        scaled = this.actScaled(obs);
        if (this.noise) {
          const eps = this.noise.sample();
          for (let j = 0; j < scaled.length; j++) scaled[j] = Math.min(Math.max(scaled[j] + eps[j], -1), 1);
        }
      }
      const step = this.env.step(unscaleAction(space, scaled));
      this.buffer.add(obs, scaled, step.reward, step.observation, step.terminated);
      this.numTimesteps++;
      this.episodeReturn += step.reward;
      const ended = step.terminated || step.truncated;
      let episodeReturn: number | undefined;
      if (ended) {
        episodeReturn = this.episodeReturn;
        this.episodeReturns.push(episodeReturn);
        this.observation = undefined;
      } else {
        this.observation = step.observation;
      }
      if (this.numTimesteps > learningStarts && this.numTimesteps % trainFreq === 0)
        this.train(gradientSteps);
      onStep?.({ steps: this.numTimesteps, episodeReturn });
    }
  }

  /** `gradientSteps` updates on batches sampled from the buffer. */
  train(gradientSteps = 1): void {
    for (let g = 0; g < gradientSteps; g++) {
      this.update(this.buffer.sample(this.config.batchSize, this.rng));
    }
  }

  /** One gradient step on the given batch: the critics always, the actor and the targets every `policyDelay`. */
  update(batch: TransitionBatch): void {
    const { policyDelay, tau } = this.config;
    const { obsDim, actDim } = this;
    const n = batch.size;
    const opts = { context: this.context };
    this.numUpdates++;
    let observations: Tensor | undefined;
    try {
      observations = tidy(() => {
        const s = tensor(batch.observations, [n, obsDim], opts);
        const target = noGrad(() => this.criticTarget(batch), this.context);
        const a = tensor(batch.actions, [n, actDim], opts);
        let loss = mseLoss(this.critics[0].forward(s, a), target);
        for (let i = 1; i < this.critics.length; i++)
          loss = loss.add(mseLoss(this.critics[i].forward(s, a), target));
        backward(loss);
        return s;
      }, this.context);
      this.criticOptimizer.step();
      this.criticOptimizer.zeroGrad();
      if (this.numUpdates % policyDelay !== 0) return;
      const s = observations;
      // The actor's loss −Q₁(s, μ(s)) flows through the critic, whose own weights are held still here.
      const criticParams = this.critics[0].parameters();
      for (const p of criticParams) p.requiresGrad = false;
      try {
        tidy(() => backward(this.critics[0].forward(s, this.actor.forward(s)).mean().neg()), this.context);
      } finally {
        for (const p of criticParams) p.requiresGrad = true;
      }
      this.actorOptimizer.step();
      this.actorOptimizer.zeroGrad();
      for (let i = 0; i < this.critics.length; i++) softUpdate(this.criticTargets[i], this.critics[i], tau);
      softUpdate(this.actorTarget, this.actor, tau);
    } finally {
      observations?.dispose();
    }
  }

  /** The critics' regression targets y for a batch, read back (see `update`). */
  targetValues(batch: TransitionBatch): Float32Array {
    const y = tidy(() => noGrad(() => this.criticTarget(batch), this.context), this.context);
    try {
      return Float32Array.from(y.dataSync());
    } finally {
      y.dispose();
    }
  }

  /** y = r + γ(1 − d)·min_i Q′_i(s′, ã′) with ã′ = clip(μ′(s′) + clip(ε, −c, c), −1, 1). Call under noGrad. */
  private criticTarget(batch: TransitionBatch): Tensor {
    const { gamma, targetPolicyNoise, targetNoiseClip } = this.config;
    const n = batch.size;
    const opts = { context: this.context };
    const discounts = new Float32Array(n);
    for (let b = 0; b < n; b++) discounts[b] = gamma * (1 - batch.terminals[b]);
    const nextObs = tensor(batch.nextObservations, [n, this.obsDim], opts);
    let nextActions = this.actorTarget.forward(nextObs);
    if (targetPolicyNoise > 0) {
      const eps = randn(nextActions.shape, { context: this.context })
        .mul(targetPolicyNoise)
        .clamp(-targetNoiseClip, targetNoiseClip);
      nextActions = nextActions.add(eps).clamp(-1, 1);
    }
    let q = this.criticTargets[0].forward(nextObs, nextActions);
    for (let i = 1; i < this.criticTargets.length; i++) {
      q = minimum(q, this.criticTargets[i].forward(nextObs, nextActions));
    }
    return tensor(batch.rewards, [n, 1], opts).add(tensor(discounts, [n, 1], opts).mul(q));
  }

  /** μ(s) in [−1, 1] for one observation: one forward pass and one read back. */
  private actScaled(observation: ArrayLike<number>): Float64Array {
    if (observation.length !== this.obsDim) {
      throw new Error(
        `${this.name}.predict: observation must have ${this.obsDim} entries, got ${observation.length}`,
      );
    }
    const out = tidy(
      () =>
        noGrad(
          () =>
            this.actor.forward(
              tensor(Float32Array.from(observation), [1, this.obsDim], { context: this.context }),
            ),
          this.context,
        ),
      this.context,
    );
    try {
      return Float64Array.from(out.dataSync());
    } finally {
      out.dispose();
    }
  }

  private get name(): string {
    return this.constructor.name;
  }

  /** Every network with the prefix of its weights' names: `actor`, `actorTarget`, `critics.i`, `criticTargets.i`. */
  private networks(): [string, Module][] {
    return [
      ['actor', this.actor],
      ['actorTarget', this.actorTarget],
      ...this.critics.map((q, i): [string, Module] => [`critics.${i}`, q]),
      ...this.criticTargets.map((q, i): [string, Module] => [`criticTargets.${i}`, q]),
    ];
  }

  /** The networks' weights by name: `actor.*`, `actorTarget.*`, `critics.i.*`, `criticTargets.i.*`. */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [prefix, m] of this.networks()) {
      for (const [k, t] of m.stateDict()) out.set(`${prefix}.${k}`, t);
    }
    return out;
  }

  /** The networks as a safetensors file, with the algorithm and its configuration in the metadata. */
  save(): Uint8Array {
    const { actionNoise, ...rest } = this.config;
    const config = { ...rest, actionNoise: typeof actionNoise === 'string' ? actionNoise : 'custom' };
    return serialize(this.stateDict(), { algorithm: this.name, config: JSON.stringify(config) });
  }

  /** Loads networks saved by `save` from an agent of the same shape; checks every name and shape first. */
  load(bytes: Uint8Array): void {
    const loaded = deserialize(bytes, { context: this.context });
    try {
      const own = this.stateDict();
      const missing = [...own.keys()].filter((k) => !loaded.has(k));
      const unexpected = [...loaded.keys()].filter((k) => !own.has(k));
      const misshaped = [...own].filter(([k, t]) => {
        const l = loaded.get(k);
        return (
          l !== undefined && (l.shape.length !== t.shape.length || l.shape.some((d, i) => d !== t.shape[i]))
        );
      });
      if (missing.length + unexpected.length + misshaped.length > 0) {
        throw new Error(
          `${this.name}.load: the file does not fit this agent (missing: [${missing.join(', ')}]; unexpected: [${unexpected.join(', ')}]; wrong shape: [${misshaped.map(([k]) => k).join(', ')}])`,
        );
      }
      for (const [prefix, m] of this.networks()) {
        const dict = new Map<string, Tensor>();
        for (const k of m.stateDict().keys()) dict.set(k, loaded.get(`${prefix}.${k}`) as Tensor);
        m.loadStateDict(dict);
      }
      freeze(this.actorTarget);
      for (const q of this.criticTargets) freeze(q);
    } finally {
      for (const t of loaded.values()) t.dispose();
    }
  }

  /** Frees the networks and the optimizers' state. */
  dispose(): void {
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    for (const [, m] of this.networks()) m.dispose();
  }
}

/** Stable-Baselines3's TD3 defaults; `DDPG` overrides the TD3-specific ones. */
const TD3_DEFAULTS: Resolved = {
  hidden: [64, 64],
  activation: 'relu',
  gamma: 0.99,
  tau: 0.005,
  learningRate: 1e-3,
  batchSize: 256,
  bufferSize: 1_000_000,
  learningStarts: 100,
  trainFreq: 1,
  gradientSteps: 1,
  actionNoise: 'gaussian',
  noiseSigma: 0.1,
  policyDelay: 2,
  targetPolicyNoise: 0.2,
  targetNoiseClip: 0.5,
  nCritics: 2,
  seed: 0,
};

function resolve(config: TD3Config, name: string): Resolved {
  const { context: _context, ...given } = config;
  const c: Resolved = { ...TD3_DEFAULTS };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (c as Record<string, unknown>)[k] = v;
  const positiveInt = [
    'batchSize',
    'bufferSize',
    'trainFreq',
    'gradientSteps',
    'policyDelay',
    'nCritics',
  ] as const;
  for (const k of positiveInt) {
    if (!(Number.isInteger(c[k]) && c[k] >= 1))
      throw new Error(`${name}: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (!(Number.isInteger(c.learningStarts) && c.learningStarts >= 0)) {
    throw new Error(`${name}: learningStarts must be a non-negative integer, got ${c.learningStarts}`);
  }
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw new Error(`${name}: gamma must be in [0, 1], got ${c.gamma}`);
  if (!(c.tau >= 0 && c.tau <= 1)) throw new Error(`${name}: tau must be in [0, 1], got ${c.tau}`);
  if (!(c.learningRate > 0)) throw new Error(`${name}: learningRate must be > 0, got ${c.learningRate}`);
  for (const k of ['noiseSigma', 'targetPolicyNoise', 'targetNoiseClip'] as const) {
    if (!(c[k] >= 0)) throw new Error(`${name}: ${k} must be ≥ 0, got ${c[k]}`);
  }
  if (c.hidden.length === 0 || !c.hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new Error(
      `${name}: hidden must be one or more positive integer widths, got [${c.hidden.join(', ')}]`,
    );
  }
  return c;
}

function makeNoise(
  name: string,
  kind: NoiseKind | ActionNoise,
  sigma: number,
  dim: number,
  rng: Rng,
): ActionNoise | undefined {
  if (typeof kind !== 'string') {
    if (kind.dim !== dim)
      throw new Error(`${name}: actionNoise has dim ${kind.dim}, the action space ${dim}`);
    return kind;
  }
  if (kind === 'gaussian') return new GaussianNoise({ dim, sigma, rng });
  if (kind === 'ornstein-uhlenbeck') return new OrnsteinUhlenbeckNoise({ dim, sigma, rng });
  if (kind === 'none') return undefined;
  throw new Error(
    `${name}: actionNoise must be 'gaussian', 'ornstein-uhlenbeck', 'none' or an ActionNoise, got '${kind}'`,
  );
}

/** A target network: a copy of the online network's weights, held out of autograd. */
function targetOf<M extends Module>(target: M, online: M): M {
  const copies = new Map([...online.stateDict()].map(([k, t]) => [k, t.clone()]));
  target.loadStateDict(copies);
  for (const t of copies.values()) t.dispose();
  return freeze(target);
}

/** Turns `requiresGrad` off on a module's parameters (a target network is updated only by `softUpdate`). */
function freeze<M extends Module>(m: M): M {
  for (const p of m.parameters()) requiresGrad(p, false);
  return m;
}
