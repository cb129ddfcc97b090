import type { Rng } from '@tessera/core/rng';

/** A minibatch of transitions, row-major: observations are [batch, obsDim], actions [batch, actDim]. */
export interface TransitionBatch {
  size: number;
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  /** 1 where the transition ended the episode in a terminal state (not a time-limit truncation), else 0. */
  terminals: Float32Array;
}

/**
 * A ring buffer of transitions (s, a, r, s′, terminated) in preallocated f32 arrays. Once full, each new
 * transition overwrites the oldest. `sample` draws indices uniformly with replacement from what is stored,
 * from the `Rng` it is given. Truncated episodes store `terminated = false` with the real next
 * observation, so the critic still bootstraps through a time limit (as Stable-Baselines3 does).
 */
export class ReplayBuffer {
  readonly capacity: number;
  readonly obsDim: number;
  readonly actDim: number;
  private readonly obs: Float32Array;
  private readonly act: Float32Array;
  private readonly rew: Float32Array;
  private readonly next: Float32Array;
  private readonly term: Float32Array;
  private position = 0;
  private count = 0;

  constructor(capacity: number, obsDim: number, actDim: number) {
    for (const [name, v] of [
      ['capacity', capacity],
      ['obsDim', obsDim],
      ['actDim', actDim],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new Error(`ReplayBuffer: ${name} must be a positive integer, got ${v}`);
    }
    this.capacity = capacity;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.obs = new Float32Array(capacity * obsDim);
    this.act = new Float32Array(capacity * actDim);
    this.rew = new Float32Array(capacity);
    this.next = new Float32Array(capacity * obsDim);
    this.term = new Float32Array(capacity);
  }

  /** How many transitions are stored (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  /** Where the next transition goes: the ring's write index. */
  get writeIndex(): number {
    return this.position;
  }

  add(
    observation: ArrayLike<number>,
    action: ArrayLike<number>,
    reward: number,
    nextObservation: ArrayLike<number>,
    terminated: boolean,
  ): void {
    if (observation.length !== this.obsDim || nextObservation.length !== this.obsDim) {
      throw new Error(
        `ReplayBuffer.add: observations must have ${this.obsDim} entries, got ${observation.length} and ${nextObservation.length}`,
      );
    }
    if (action.length !== this.actDim) {
      throw new Error(`ReplayBuffer.add: action must have ${this.actDim} entries, got ${action.length}`);
    }
    const i = this.position;
    this.obs.set(observation, i * this.obsDim);
    this.act.set(action, i * this.actDim);
    this.rew[i] = reward;
    this.next.set(nextObservation, i * this.obsDim);
    this.term[i] = terminated ? 1 : 0;
    this.position = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** The transitions at the given ring indices (each in [0, size)). */
  gather(indices: ArrayLike<number>): TransitionBatch {
    const n = indices.length;
    const { obsDim: od, actDim: ad } = this;
    const out: TransitionBatch = {
      size: n,
      observations: new Float32Array(n * od),
      actions: new Float32Array(n * ad),
      rewards: new Float32Array(n),
      nextObservations: new Float32Array(n * od),
      terminals: new Float32Array(n),
    };
    for (let b = 0; b < n; b++) {
      const i = indices[b];
      if (!(Number.isInteger(i) && i >= 0 && i < this.count)) {
        throw new Error(`ReplayBuffer.gather: index ${i} is outside the ${this.count} stored transitions`);
      }
      out.observations.set(this.obs.subarray(i * od, (i + 1) * od), b * od);
      out.actions.set(this.act.subarray(i * ad, (i + 1) * ad), b * ad);
      out.rewards[b] = this.rew[i];
      out.nextObservations.set(this.next.subarray(i * od, (i + 1) * od), b * od);
      out.terminals[b] = this.term[i];
    }
    return out;
  }

  /** `batchSize` transitions drawn uniformly with replacement. */
  sample(batchSize: number, rng: Rng): TransitionBatch {
    if (this.count === 0) throw new Error('ReplayBuffer.sample: the buffer is empty');
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new Error(`ReplayBuffer.sample: batchSize must be a positive integer, got ${batchSize}`);
    }
    const indices = new Uint32Array(batchSize);
    for (let b = 0; b < batchSize; b++) indices[b] = rng.int(this.count);
    return this.gather(indices);
  }
}
