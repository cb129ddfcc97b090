import { Rng } from '@tessera/core/rng';
import type { ResetOptions, ResetResult, StepResult, TabularEnv } from './env.js';
import { checkGamma, type TabularMDP } from './mdp.js';
import { Discrete } from './spaces.js';

/** A grid cell as [row, column], both counted from 0 with row 0 at the top. */
export type Cell = readonly [row: number, col: number];

/** The five grid-world actions a₁…a₅ in the book's order. */
export const GridAction = { Up: 0, Right: 1, Down: 2, Left: 3, Stay: 4 } as const;
export type GridAction = (typeof GridAction)[keyof typeof GridAction];
export const GRID_ACTION_NAMES = ['up', 'right', 'down', 'left', 'stay'] as const;
/** Symbols for printing a policy; ○ is "stay". */
export const GRID_ACTION_ARROWS = ['↑', '→', '↓', '←', '○'] as const;

const DELTAS: readonly Cell[] = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
  [0, 0],
];

export interface GridWorldConfig {
  rows: number;
  cols: number;
  forbidden?: readonly Cell[];
  target: Cell;
  /** Reward for trying to step off the grid (the agent stays put); default −1. */
  rBoundary?: number;
  /** Reward for entering, or staying in, a forbidden cell; default −1. */
  rForbidden?: number;
  /** Reward for entering, or staying at, the target; default 1. */
  rTarget?: number;
  /** Reward for every other move; default 0. */
  rOther?: number;
  /** Discount rate γ in [0, 1); default 0.9. */
  gamma?: number;
  /** Where episodes start when `reset` names no state; uniformly random by default. */
  start?: Cell;
  /** Episodes are truncated after this many steps; unlimited by default (the target is not terminal). */
  maxEpisodeSteps?: number;
}

/**
 * The grid world of Zhao's "Mathematical Foundations of Reinforcement Learning". Deterministic moves;
 * forbidden cells can be entered at a cost; bumping into the boundary leaves the agent where it is at a cost;
 * the target is absorbing only in the sense that staying there keeps paying rTarget — it never terminates.
 * States are numbered row-major: s = row·cols + col.
 */
export class GridWorld implements TabularEnv {
  readonly rows: number;
  readonly cols: number;
  readonly target: Cell;
  readonly forbidden: readonly Cell[];
  readonly rBoundary: number;
  readonly rForbidden: number;
  readonly rTarget: number;
  readonly rOther: number;
  readonly gamma: number;
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
  private readonly forbiddenMask: Uint8Array;
  private readonly start: number | undefined;
  private readonly maxEpisodeSteps: number | undefined;
  private rng = new Rng(0);
  private state = -1;
  private steps = 0;

  constructor(config: GridWorldConfig) {
    const { rows, cols, target, forbidden = [] } = config;
    if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
      throw new Error(`GridWorld: rows and cols must be positive integers, got rows=${rows}, cols=${cols}`);
    }
    const inGrid = (c: Cell) =>
      Number.isInteger(c[0]) &&
      Number.isInteger(c[1]) &&
      c[0] >= 0 &&
      c[0] < rows &&
      c[1] >= 0 &&
      c[1] < cols;
    if (!inGrid(target)) throw new Error(`GridWorld: target [${target}] is outside the ${rows}x${cols} grid`);
    this.forbiddenMask = new Uint8Array(rows * cols);
    for (const c of forbidden) {
      if (!inGrid(c)) throw new Error(`GridWorld: forbidden cell [${c}] is outside the ${rows}x${cols} grid`);
      if (c[0] === target[0] && c[1] === target[1]) {
        throw new Error(`GridWorld: target [${target}] is inside the forbidden cells`);
      }
      this.forbiddenMask[c[0] * cols + c[1]] = 1;
    }
    const rewards = {
      rBoundary: config.rBoundary ?? -1,
      rForbidden: config.rForbidden ?? -1,
      rTarget: config.rTarget ?? 1,
      rOther: config.rOther ?? 0,
    };
    for (const [name, value] of Object.entries(rewards)) {
      if (!Number.isFinite(value))
        throw new Error(`GridWorld: ${name} must be a finite number, got ${value}`);
    }
    const gamma = config.gamma ?? 0.9;
    checkGamma(gamma, 'GridWorld');
    if (config.start !== undefined && !inGrid(config.start)) {
      throw new Error(`GridWorld: start [${config.start}] is outside the ${rows}x${cols} grid`);
    }
    const { maxEpisodeSteps } = config;
    if (maxEpisodeSteps !== undefined && !(Number.isInteger(maxEpisodeSteps) && maxEpisodeSteps >= 1)) {
      throw new Error(`GridWorld: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.target = [target[0], target[1]];
    this.forbidden = forbidden.map((c) => [c[0], c[1]] as const);
    ({
      rBoundary: this.rBoundary,
      rForbidden: this.rForbidden,
      rTarget: this.rTarget,
      rOther: this.rOther,
    } = rewards);
    this.gamma = gamma;
    this.start = config.start === undefined ? undefined : config.start[0] * cols + config.start[1];
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.observationSpace = new Discrete(rows * cols);
    this.actionSpace = new Discrete(DELTAS.length);
  }

  get nS(): number {
    return this.rows * this.cols;
  }

  get nA(): number {
    return DELTAS.length;
  }

  stateOf(row: number, col: number): number {
    if (
      !(
        Number.isInteger(row) &&
        Number.isInteger(col) &&
        row >= 0 &&
        row < this.rows &&
        col >= 0 &&
        col < this.cols
      )
    ) {
      throw new Error(`GridWorld.stateOf: [${row}, ${col}] is outside the ${this.rows}x${this.cols} grid`);
    }
    return row * this.cols + col;
  }

  cellOf(state: number): Cell {
    this.checkState(state, 'GridWorld.cellOf');
    return [Math.floor(state / this.cols), state % this.cols];
  }

  isForbidden(state: number): boolean {
    this.checkState(state, 'GridWorld.isForbidden');
    return this.forbiddenMask[state] === 1;
  }

  isTarget(state: number): boolean {
    this.checkState(state, 'GridWorld.isTarget');
    return state === this.target[0] * this.cols + this.target[1];
  }

  /** The deterministic dynamics: the next state and reward of taking `action` in `state`. */
  transition(state: number, action: number): { next: number; reward: number } {
    this.checkState(state, 'GridWorld.transition');
    this.checkAction(action, 'GridWorld.transition');
    const row = Math.floor(state / this.cols) + DELTAS[action][0];
    const col = (state % this.cols) + DELTAS[action][1];
    if (row < 0 || row >= this.rows || col < 0 || col >= this.cols)
      return { next: state, reward: this.rBoundary };
    const next = row * this.cols + col;
    if (this.forbiddenMask[next] === 1) return { next, reward: this.rForbidden };
    if (this.isTarget(next)) return { next, reward: this.rTarget };
    return { next, reward: this.rOther };
  }

  /** The model p(s′|s,a), r(s,a) as a tabular MDP, for dynamic programming. */
  toMdp(): TabularMDP {
    const { nS, nA } = this;
    const P = new Float64Array(nS * nA * nS);
    const R = new Float64Array(nS * nA);
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        const { next, reward } = this.transition(s, a);
        P[(s * nA + a) * nS + next] = 1;
        R[s * nA + a] = reward;
      }
    }
    return { nS, nA, P, R, gamma: this.gamma };
  }

  reset(options: ResetOptions = {}): ResetResult<number> {
    if (options.seed !== undefined) this.rng = new Rng(options.seed);
    const start = options.options?.startState ?? this.start;
    if (start !== undefined) this.checkState(start, 'GridWorld.reset');
    this.state = start ?? this.observationSpace.sample(this.rng);
    this.steps = 0;
    return { observation: this.state, info: this.info() };
  }

  step(action: number): StepResult<number> {
    if (this.state < 0) throw new Error('GridWorld.step: call reset() before step()');
    const { next, reward } = this.transition(this.state, action);
    this.state = next;
    this.steps++;
    const truncated = this.maxEpisodeSteps !== undefined && this.steps >= this.maxEpisodeSteps;
    return { observation: next, reward, terminated: false, truncated, info: this.info() };
  }

  private info(): { row: number; col: number } {
    return { row: Math.floor(this.state / this.cols), col: this.state % this.cols };
  }

  private checkState(state: number, caller: string): void {
    if (!this.observationSpace.contains(state)) {
      throw new Error(`${caller}: state must be an integer in [0, ${this.nS}), got ${state}`);
    }
  }

  private checkAction(action: number, caller: string): void {
    if (!this.actionSpace.contains(action)) {
      throw new Error(`${caller}: action must be an integer in [0, ${this.nA}), got ${action}`);
    }
  }
}

/**
 * The 5×5 example used throughout the book's chapters 2–5: forbidden cells (1-indexed) (2,2), (2,3), (3,3),
 * (4,2), (4,4), (5,2) and the target (4,3), with rBoundary = rForbidden = −1, rTarget = 1, rOther = 0, γ = 0.9.
 */
export function bookGridWorld(overrides: Partial<GridWorldConfig> = {}): GridWorld {
  return new GridWorld({
    rows: 5,
    cols: 5,
    forbidden: [
      [1, 1],
      [1, 2],
      [2, 2],
      [3, 1],
      [3, 3],
      [4, 1],
    ],
    target: [3, 2],
    rBoundary: -1,
    rForbidden: -1,
    rTarget: 1,
    rOther: 0,
    gamma: 0.9,
    ...overrides,
  });
}
