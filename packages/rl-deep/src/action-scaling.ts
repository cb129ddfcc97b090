import type { Box } from '@tessera/rl';

/** Maps an action in the box's units to [−1, 1]: 2·(a − low)/(high − low) − 1. */
export function scaleAction(space: Box, action: ArrayLike<number>): Float64Array {
  checkLength('scaleAction', space, action);
  const out = new Float64Array(action.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = (2 * (action[i] - space.low[i])) / (space.high[i] - space.low[i]) - 1;
  }
  return out;
}

/** Maps an action in [−1, 1] to the box's units: low + (a + 1)/2·(high − low). */
export function unscaleAction(space: Box, scaled: ArrayLike<number>): Float64Array {
  checkLength('unscaleAction', space, scaled);
  const out = new Float64Array(scaled.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = space.low[i] + 0.5 * (scaled[i] + 1) * (space.high[i] - space.low[i]);
  }
  return out;
}

/** Throws unless every side of the box is finite, so that it can be scaled to [−1, 1]. */
export function checkBoundedBox(caller: string, space: Box): void {
  for (let i = 0; i < space.low.length; i++) {
    if (!(Number.isFinite(space.low[i]) && Number.isFinite(space.high[i]) && space.low[i] < space.high[i])) {
      throw new Error(
        `${caller}: the action space must be bounded with low < high in every entry, got [${space.low[i]}, ${space.high[i]}] at ${i}`,
      );
    }
  }
}

function checkLength(caller: string, space: Box, action: ArrayLike<number>): void {
  if (action.length !== space.low.length) {
    throw new Error(`${caller}: action has ${action.length} entries, the space ${space.low.length}`);
  }
}
