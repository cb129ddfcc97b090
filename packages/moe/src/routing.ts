import { noGrad } from '@tessera/autograd';
import { arange, concat, oneHot, type Tensor, TesseraError, tidy, where, zeros } from '@tessera/core';

/** Where each token-slot goes in the expert-sorted buffer, and how many rows each expert got. */
export interface Routing {
  /** i32 [N, k]: slot (t, j)'s row in the buffer, −1 when dropped. */
  dest: Tensor;
  /** i32 [E + 1]: expert e owns buffer rows [offsets[e], offsets[e + 1]). */
  offsets: Tensor;
  /** i32 [E]: slots each expert was chosen for (before any dropping). */
  load: Tensor;
  /** i32 scalar: slots dropped for want of capacity (0 when dropless). */
  dropped: Tensor;
  /** Rows of the buffer: N·k dropless, E·capacity with a capacity. */
  rows: number;
  /** Slots per expert with a capacity, else null (dropless). */
  capacity: number | null;
}

/**
 * The k largest entries of each row of `scores` [N, E], as i32 indices [N, k] in decreasing
 * order (ties to the lower index). Selection only: no gradient flows through it.
 */
export function topKIndices(scores: Tensor, k: number): Tensor {
  const [n, e] = scores.shape;
  if (scores.rank !== 2 || !Number.isInteger(k) || k < 1 || k > e) {
    throw new TesseraError(
      'topKIndices',
      `k must be an integer in [1, ${e}] for scores [${n}, ${e}], got ${k}`,
    );
  }
  return noGrad(
    () =>
      tidy(() => {
        let s = scores;
        const picks: Tensor[] = [];
        for (let j = 0; j < k; j++) {
          const i = s.argmax(-1, true);
          picks.push(i);
          if (j + 1 < k) s = where(oneHot(i.squeeze(-1), e, { dtype: 'bool' }), Number.NEGATIVE_INFINITY, s);
        }
        return k === 1 ? picks[0] : concat(picks, 1);
      }, scores.ctx),
    scores.ctx,
  );
}

/** Slots per expert: ⌈tokens·k / E · capacityFactor⌉ (Switch Transformer). */
export function expertCapacity(tokens: number, k: number, experts: number, capacityFactor: number): number {
  return Math.ceil(((tokens * k) / experts) * capacityFactor);
}

/**
 * Sorts the token-slots of `indices` (i32 [N, k], the experts each token chose) by expert: slot
 * (t, j) goes to row offsets[e] + r of the buffer, r being its rank among expert e's slots.
 * Ranks are counted choice by choice (every token's first choice before any second choice, then
 * token order), so with a capacity a second choice never displaces another token's first. With
 * `capacity` c every expert owns c rows (e·c … e·c + c − 1) and slots ranked c or later are
 * dropped (dest −1); without one (dropless) every slot gets a row and the buffer has N·k rows.
 * Built from core ops (one-hot, cumulative sums, gathers), so it runs on every backend without
 * reading anything back.
 */
export function route(indices: Tensor, experts: number, capacity: number | null = null): Routing {
  const [n, k] = indices.shape;
  if (indices.dtype !== 'i32' || indices.rank !== 2) {
    throw new TesseraError(
      'route',
      `indices must be i32 [N, k], got ${indices.dtype} [${indices.shape.join(', ')}]`,
    );
  }
  if (capacity !== null && !(Number.isInteger(capacity) && capacity >= 0)) {
    throw new TesseraError(
      'route',
      `capacity must be a non-negative integer or null (dropless), got ${capacity}`,
    );
  }
  const ctx = indices.ctx;
  const device = indices.device;
  const make = () => {
    // Choice-major order: flat slot q = j·N + t.
    const flat = indices
      .transpose(0, 1)
      .contiguous()
      .reshape([n * k]);
    const hot = oneHot(flat, experts, { dtype: 'i32' });
    const rank = hot.cumsum(0).gather(1, flat.unsqueeze(1)).squeeze(1).sub(1);
    const load = hot.sum(0);
    const byToken = (q: Tensor) => q.reshape([k, n]).transpose(0, 1).contiguous();
    if (capacity === null) {
      const ends = load.cumsum(0);
      const dest = ends.sub(load).gather(0, flat).add(rank);
      const offsets = concat([zeros([1], { dtype: 'i32', device, context: ctx }), ends]);
      const dropped = zeros([], { dtype: 'i32', device, context: ctx });
      return { dest: byToken(dest), offsets, load, dropped };
    }
    const kept = rank.lt(capacity);
    const dest = where(kept, flat.mul(capacity).add(rank), -1);
    const offsets = arange(0, experts + 1, 1, { dtype: 'i32', device, context: ctx }).mul(capacity);
    const dropped = kept.logicalNot().cast('i32').sum();
    return { dest: byToken(dest), offsets, load, dropped };
  };
  const out = noGrad(() => tidy(make, ctx), ctx);
  return { ...out, rows: capacity === null ? n * k : experts * capacity, capacity };
}
