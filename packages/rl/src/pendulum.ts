import { Rng } from '@tessera/core/rng';
import type { Env, ResetOptions, ResetResult, StepResult } from './env.js';
import { Box } from './spaces.js';

export interface PendulumConfig {
  /** Gravitational acceleration; Gymnasium's default is 10. */
  g?: number;
  /** Episodes are truncated after this many steps (Gymnasium's TimeLimit for Pendulum-v1: 200). */
  maxEpisodeSteps?: number;
}

/** Pendulum's reset options (Gymnasium's `x_init`/`y_init`, and an exact start state). */
export interface PendulumResetOptions {
  /** Start exactly in [θ, θ̇] instead of drawing the start state. */
  state?: readonly [number, number];
  /** θ is drawn from U[−xInit, xInit]; default π. */
  xInit?: number;
  /** θ̇ is drawn from U[−yInit, yInit]; default 1. */
  yInit?: number;
}

/** (x + π) mod 2π − π with a floored modulo, so the result lies in [−π, π) for negative x too. */
export function angleNormalize(x: number): number {
  const twoPi = 2 * Math.PI;
  const m = (x + Math.PI) % twoPi;
  return (m < 0 ? m + twoPi : m) - Math.PI;
}

/**
 * Gymnasium's Pendulum-v1: swing a pole up and hold it upright with a bounded torque. The state is the
 * angle θ (0 is upright) and the angular velocity θ̇; an action is the torque u. A step clips u to
 * [−2, 2], pays cost = angle_normalize(θ)² + 0.1·θ̇² + 0.001·u² on the state before the step, then
 * integrates θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m·l²)·u)·dt, −8, 8) and θ ← θ + θ̇·dt (semi-implicit Euler,
 * dt = 0.05, m = l = 1). The reward is −cost; the observation is [cos θ, sin θ, θ̇] rounded to f32, as
 * Gymnasium's float32 array; episodes are never terminated, only truncated after 200 steps.
 */
export class Pendulum implements Env<Float64Array, Float64Array, PendulumResetOptions> {
  static readonly maxSpeed = 8;
  static readonly maxTorque = 2;
  static readonly dt = 0.05;
  static readonly m = 1;
  static readonly l = 1;

  readonly observationSpace = new Box([-1, -1, -Pendulum.maxSpeed], [1, 1, Pendulum.maxSpeed]);
  readonly actionSpace = new Box([-Pendulum.maxTorque], [Pendulum.maxTorque]);
  readonly g: number;
  readonly maxEpisodeSteps: number;
  /** θ. */
  theta = Number.NaN;
  /** θ̇. */
  thetaDot = Number.NaN;
  /** The clipped torque of the last step (0 after a reset), for drawing. */
  lastTorque = 0;
  private rng = new Rng(0);
  private steps = 0;

  constructor(config: PendulumConfig = {}) {
    const { g = 10, maxEpisodeSteps = 200 } = config;
    if (!Number.isFinite(g)) throw new Error(`Pendulum: g must be a finite number, got ${g}`);
    if (!(Number.isInteger(maxEpisodeSteps) && maxEpisodeSteps >= 1)) {
      throw new Error(`Pendulum: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.g = g;
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  reset(options: ResetOptions<PendulumResetOptions> = {}): ResetResult<Float64Array> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    const { state, xInit = Math.PI, yInit = 1 } = options.options ?? {};
    if (state !== undefined) {
      if (state.length !== 2 || !state.every(Number.isFinite)) {
        throw new Error(`Pendulum.reset: state must be two finite numbers [θ, θ̇], got [${state.join(', ')}]`);
      }
      [this.theta, this.thetaDot] = state;
    } else {
      if (!(Number.isFinite(xInit) && Number.isFinite(yInit))) {
        throw new Error(`Pendulum.reset: xInit and yInit must be finite, got ${xInit} and ${yInit}`);
      }
      const x = Math.abs(xInit);
      const y = Math.abs(yInit);
      this.theta = this.rng.uniform(-x, x);
      this.thetaDot = this.rng.uniform(-y, y);
    }
    this.steps = 0;
    this.lastTorque = 0;
    return { observation: this.observation(), info: {} };
  }

  step(action: Float64Array): StepResult<Float64Array> {
    if (Number.isNaN(this.theta)) throw new Error('Pendulum.step: call reset() before step()');
    if (action.length !== 1 || Number.isNaN(action[0])) {
      throw new Error(`Pendulum.step: action must be one torque, got [${Array.from(action).join(', ')}]`);
    }
    const { maxTorque, maxSpeed, dt, m, l } = Pendulum;
    const th = this.theta;
    const thDot = this.thetaDot;
    const u = Math.min(Math.max(action[0], -maxTorque), maxTorque);
    const cost = angleNormalize(th) ** 2 + 0.1 * thDot ** 2 + 0.001 * u ** 2;
    const accel = ((3 * this.g) / (2 * l)) * Math.sin(th) + (3 / (m * l * l)) * u;
    const newThDot = Math.min(Math.max(thDot + accel * dt, -maxSpeed), maxSpeed);
    this.theta = th + newThDot * dt;
    this.thetaDot = newThDot;
    this.lastTorque = u;
    this.steps++;
    return {
      observation: this.observation(),
      reward: -cost,
      terminated: false,
      truncated: this.steps >= this.maxEpisodeSteps,
      info: {},
    };
  }

  private observation(): Float64Array {
    return Float64Array.of(
      Math.fround(Math.cos(this.theta)),
      Math.fround(Math.sin(this.theta)),
      Math.fround(this.thetaDot),
    );
  }
}
