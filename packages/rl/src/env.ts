import type { Discrete, Space } from './spaces.js';

/** Free-form diagnostics an environment returns alongside observations, as Gymnasium's `info` dict. */
export type Info = Record<string, unknown>;

export interface ResetOptions {
  /** Reseeds the environment's generator; without it the generator continues where it was. */
  seed?: number;
  /** Environment-specific options; tabular environments accept `startState` to begin in a chosen state. */
  options?: { startState?: number };
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

/** The Gymnasium environment interface: `reset` starts an episode, `step` advances it by one action. */
export interface Env<Obs, Act> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  reset(options?: ResetOptions): ResetResult<Obs>;
  step(action: Act): StepResult<Obs>;
}

/** An environment with finitely many states and actions, both numbered from 0, that can start anywhere. */
export interface TabularEnv extends Env<number, number> {
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
}
