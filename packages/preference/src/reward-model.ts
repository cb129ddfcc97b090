import { type Tensor, TesseraError } from '@tessera/core';
import { Linear, Module, type ModuleOptions } from '@tessera/nn';
import { logSigmoid } from './losses.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * A Bradley–Terry reward head: a linear map from a sequence's features to one scalar reward,
 * r = w·h + b, read at the sequence's last token. Put it on any backbone that gives hidden states.
 */
export class RewardHead extends Module {
  readonly score: Linear;

  constructor(
    readonly dim: number,
    options: ModuleOptions = {},
  ) {
    super();
    this.score = this.register('score', new Linear(dim, 1, options));
  }

  /**
   * Rewards [b] from pooled features [b, dim], or from hidden states [b, s, dim] read at `last`
   * [b] (i32, each sequence's last token position, e.g. its length − 1 under right padding).
   */
  forward(hidden: Tensor, last?: Tensor): Tensor {
    const d = this.dim;
    if (hidden.rank === 2 && hidden.shape[1] === d) return this.score.forward(hidden).squeeze(-1);
    if (hidden.rank !== 3 || hidden.shape[2] !== d) {
      throw new TesseraError(
        'RewardHead',
        `features must be [b, ${d}] or [b, s, ${d}], got ${fmt(hidden.shape)}`,
      );
    }
    const b = hidden.shape[0];
    if (last?.dtype !== 'i32' || last.rank !== 1 || last.shape[0] !== b) {
      throw new TesseraError(
        'RewardHead',
        `hidden states ${fmt(hidden.shape)} need the last token positions as i32 [${b}], got ${last ? `${last.dtype} ${fmt(last.shape)}` : 'none'}`,
      );
    }
    const pooled = hidden.takeAlongAxis(last.reshape([b, 1, 1]), 1).squeeze(1);
    return this.score.forward(pooled).squeeze(-1);
  }
}

export interface BradleyTerryOptions {
  /** A margin m the chosen reward should clear (a number, or one per pair [b]; default 0). */
  margin?: number | Tensor;
}

/**
 * The Bradley–Terry pairwise loss, P(y_w ≻ y_l) = σ(r_w − r_l): the mean of −log σ(r_w − r_l − m)
 * over the pairs (with m = 0, the negative log-likelihood of the observed preferences).
 */
export function bradleyTerryLoss(
  chosen: Tensor,
  rejected: Tensor,
  options: BradleyTerryOptions = {},
): Tensor {
  checkPair('bradleyTerryLoss', chosen, rejected);
  const diff = chosen.sub(rejected);
  const m = options.margin ?? 0;
  return logSigmoid(diff.sub(m)).neg().mean();
}

/** The fraction of pairs whose chosen reward is strictly above the rejected one (a scalar tensor). */
export function rewardAccuracy(chosen: Tensor, rejected: Tensor): Tensor {
  checkPair('rewardAccuracy', chosen, rejected);
  return chosen.gt(rejected).cast(chosen.dtype).mean();
}

function checkPair(op: string, chosen: Tensor, rejected: Tensor): void {
  if (chosen.rank !== 1 || rejected.rank !== 1 || chosen.shape[0] !== rejected.shape[0]) {
    throw new TesseraError(
      op,
      `chosen and rejected rewards must both be [b], got ${fmt(chosen.shape)} and ${fmt(rejected.shape)}`,
    );
  }
}
