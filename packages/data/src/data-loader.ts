import { type Context, TesseraError } from '@tessera/core';
import { type Collated, collateSamples } from './collate.js';
import type { Dataset } from './dataset.js';
import { permutation } from './permutation.js';

export interface DataLoaderOptions<T, B> {
  batchSize?: number;
  /** Reshuffle at the start of every pass (default false). */
  shuffle?: boolean;
  /** Seed of the shuffles: pass e of the loader uses the permutation for (seed, e). Default 0. */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
  /** Builds a batch from samples (default `defaultCollate`); unused when the dataset has getBatch. */
  collate?: (samples: T[]) => B;
  /** Context for the collated tensors. */
  context?: Context;
}

/**
 * Iterates over a dataset in batches. Each `for … of` is one pass (epoch); with `shuffle`, pass e
 * visits the samples in a permutation determined by (seed, e), so runs are reproducible. The
 * batches are new tensors: dispose them (or run the step inside `tidy`).
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Passes started so far. */
  epoch = 0;
  private readonly collate: ((samples: T[]) => B) | undefined;
  private readonly context: Context | undefined;

  constructor(
    readonly dataset: Dataset<T>,
    options: DataLoaderOptions<T, B> = {},
  ) {
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new TesseraError('DataLoader', `batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.context = options.context;
    this.collate = options.collate;
  }

  /** Batches per pass. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of the next pass (advances the epoch). */
  nextBatches(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle
      ? permutation(n, this.seed, this.epoch)
      : Array.from({ length: n }, (_, i) => i);
    this.epoch += 1;
    const out: number[][] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const batch = order.slice(start, start + this.batchSize);
      if (batch.length < this.batchSize && this.dropLast) break;
      out.push(batch);
    }
    return out;
  }

  *[Symbol.iterator](): Iterator<B> {
    const ds = this.dataset;
    for (const indices of this.nextBatches()) {
      if (ds.getBatch !== undefined) yield ds.getBatch(indices) as unknown as B;
      else {
        const samples = indices.map((i) => ds.get(i));
        // The default collate's errors name samples by their index in the dataset.
        yield this.collate
          ? this.collate(samples)
          : (collateSamples(samples, this.context, (k) => indices[k]) as B);
      }
    }
  }
}
