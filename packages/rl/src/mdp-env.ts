import { Rng } from '@tessera/core/rng';
import type { ResetOptions, ResetResult, StepResult, TabularEnv } from './env.js';
import { type TabularMDP, validateMdp } from './mdp.js';
import { Discrete } from './spaces.js';

export interface MdpEnvOptions {
  /** State an episode starts in when `reset` is given none; by default a uniformly random one. */
  startState?: number;
  /** Episodes are truncated after this many steps; unlimited by default. */
  maxEpisodeSteps?: number;
}

/**
 * Any tabular MDP as a simulator: the next state is drawn from p(·|s,a) and the reward is r(s,a). This lets
 * model-free methods run on a model, e.g. to check them against dynamic programming on the same MDP.
 */
export class MdpEnv implements TabularEnv {
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
  private readonly mdp: TabularMDP;
  private readonly options: MdpEnvOptions;
  private rng = new Rng(0);
  private state = -1;
  private steps = 0;

  constructor(mdp: TabularMDP, options: MdpEnvOptions = {}) {
    validateMdp(mdp, 'MdpEnv');
    const { startState, maxEpisodeSteps } = options;
    if (
      startState !== undefined &&
      !(Number.isInteger(startState) && startState >= 0 && startState < mdp.nS)
    ) {
      throw new Error(`MdpEnv: startState must be an integer in [0, ${mdp.nS}), got ${startState}`);
    }
    if (maxEpisodeSteps !== undefined && !(Number.isInteger(maxEpisodeSteps) && maxEpisodeSteps >= 1)) {
      throw new Error(`MdpEnv: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.mdp = mdp;
    this.options = options;
    this.observationSpace = new Discrete(mdp.nS);
    this.actionSpace = new Discrete(mdp.nA);
  }

  reset(options: ResetOptions = {}): ResetResult<number> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    const start = options.options?.startState ?? this.options.startState;
    if (start !== undefined && !this.observationSpace.contains(start)) {
      throw new Error(`MdpEnv.reset: startState must be an integer in [0, ${this.mdp.nS}), got ${start}`);
    }
    this.state = start ?? this.observationSpace.sample(this.rng);
    this.steps = 0;
    return { observation: this.state, info: {} };
  }

  step(action: number): StepResult<number> {
    if (this.state < 0) throw new Error('MdpEnv.step: call reset() before step()');
    if (!this.actionSpace.contains(action)) {
      throw new Error(`MdpEnv.step: action must be an integer in [0, ${this.mdp.nA}), got ${action}`);
    }
    const { nS, nA, P, R } = this.mdp;
    const sa = this.state * nA + action;
    const reward = R[sa];
    this.state = this.rng.categorical(P, sa * nS, nS);
    this.steps++;
    const truncated =
      this.options.maxEpisodeSteps !== undefined && this.steps >= this.options.maxEpisodeSteps;
    return { observation: this.state, reward, terminated: false, truncated, info: {} };
  }
}
