import type { Discrete, Space } from './spaces.js';

/** Free-form diagnostics an environment returns alongside observations, as Gymnasium's `info` dict. */
export type Info = Record<string, unknown>;

/** The reset options of tabular environments: `startState` begins the episode in a chosen state. */
export interface TabularResetOptions {
  startState?: number;
}

export interface ResetOptions<Options extends object = TabularResetOptions> {
  /** Reseeds the environment's generator; without it the generator continues where it was. */
  seed?: number;
  /** Environment-specific options, as Gymnasium's `options` dict (tabular ones: `startState`). */
  options?: Options;
}

export interface ResetResult<Obs> {
  observation: Obs;
  info: Info;
}

export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  /** The episode reached a terminal state of the MDP. */
  terminated: boolean;
  /** The episode was cut off from outside the MDP, e.g. by a step limit. */
  truncated: boolean;
  info: Info;
}

/**
 * The Gymnasium environment interface: `reset` starts an episode, `step` advances it by one action.
 * `Options` types the environment-specific part of `reset`'s options.
 */
export interface Env<Obs, Act, Options extends object = TabularResetOptions> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  reset(options?: ResetOptions<Options>): ResetResult<Obs>;
  step(action: Act): StepResult<Obs>;
}

/** An environment with finitely many states and actions, both numbered from 0, that can start anywhere. */
export interface TabularEnv extends Env<number, number> {
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
}
