import { GridWorld } from './gridworld.js';
import { valueIteration } from './value-iteration.js';

/**
 * Optimal state values printed in the book for its 5×5 example (chapter 4, value iteration example),
 * row by row (state s = row·5 + col), to one decimal.
 */
export const BOOK_V_STAR: readonly number[] = [
  [5.8, 5.6, 6.2, 6.5, 5.8],
  [6.5, 7.2, 8.0, 7.2, 6.5],
  [7.2, 8.0, 10.0, 8.0, 7.2],
  [8.0, 10.0, 10.0, 10.0, 8.0],
  [7.2, 9.0, 10.0, 9.0, 8.1],
].flat();

/** The book's 5×5 example, written out from its 1-indexed (row, col) description, for the tests. */
export function bookExampleGrid(): GridWorld {
  const cell = (r: number, c: number) => [r - 1, c - 1] as const;
  return new GridWorld({
    rows: 5,
    cols: 5,
    forbidden: [cell(2, 2), cell(2, 3), cell(3, 3), cell(4, 2), cell(4, 4), cell(5, 2)],
    target: cell(4, 3),
    rBoundary: -1,
    rForbidden: -1,
    rTarget: 1,
    rOther: 0,
    gamma: 0.9,
  });
}

/**
 * States whose greedy action under `q` is not optimal: an action counts as optimal when its q*(s,a) is within
 * `tolerance` of max_a q*(s,a), so ties in q* accept any of the tied actions. q* comes from value iteration.
 */
export function nonOptimalStates(grid: GridWorld, q: ArrayLike<number>, tolerance = 1e-6): number[] {
  const qStar = valueIteration(grid.toMdp(), { tolerance: 1e-12 }).q;
  const nA = grid.nA;
  const bad: number[] = [];
  for (let s = 0; s < grid.nS; s++) {
    let greedy = 0;
    for (let a = 1; a < nA; a++) if (q[s * nA + a] > q[s * nA + greedy]) greedy = a;
    let best = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < nA; a++) best = Math.max(best, qStar[s * nA + a]);
    if (qStar[s * nA + greedy] < best - tolerance) bad.push(s);
  }
  return bad;
}
