import { fail } from '@tessera/core';
import type { BytesPerParameter } from './state.js';

/** ZeRO stage: 0 replicates everything; 1 shards optimizer state, 2 also gradients, 3 also weights. */
export type ZeroStage = 0 | 1 | 2 | 3;

/** Bytes one data-parallel rank holds for model state. */
export interface RankBytes {
  weights: number;
  gradients: number;
  optimizer: number;
  total: number;
}

/**
 * Model-state bytes per rank for `parameters` parameters over `ranks` data-parallel ranks at a ZeRO
 * stage. A sharded part counts parameters/ranks, rounded up: the largest rank's share. For
 * mixed-precision Adam this is 4Ψ + 12Ψ/N (stage 1), 2Ψ + 14Ψ/N (stage 2) and 16Ψ/N (stage 3).
 */
export function zeroBytesPerRank(
  parameters: number,
  perParameter: BytesPerParameter,
  ranks: number,
  stage: ZeroStage,
): RankBytes {
  const op = 'zeroBytesPerRank';
  if (!Number.isSafeInteger(parameters) || parameters < 0)
    fail(op, `parameters must be a non-negative integer, got ${parameters}`);
  if (!Number.isSafeInteger(ranks) || ranks < 1) fail(op, `ranks must be a positive integer, got ${ranks}`);
  if (stage !== 0 && stage !== 1 && stage !== 2 && stage !== 3)
    fail(op, `stage must be 0, 1, 2 or 3, got ${String(stage)}`);
  const shard = Math.ceil(parameters / ranks);
  const count = (sharded: boolean): number => (sharded ? shard : parameters);
  const weights = count(stage >= 3) * perParameter.weights;
  const gradients = count(stage >= 2) * perParameter.gradients;
  const optimizer = count(stage >= 1) * perParameter.optimizer;
  return { weights, gradients, optimizer, total: weights + gradients + optimizer };
}
