import { describe, expect, it } from 'vitest';
import { bookExampleGrid, nonOptimalStates } from './book-grid.test-support.js';
import { mcBasic, mcEpsilonGreedy, mcExploringStarts } from './monte-carlo.js';
import { uniformPolicy } from './policy.js';

// Episode counts are sized for a slow shared core: each test below takes about a second here.
describe('Monte Carlo control on the book grid', () => {
  const grid = bookExampleGrid();

  it('MC Basic with long episodes finds an optimal policy', () => {
    const r = mcBasic(grid, { gamma: 0.9, episodeLength: 100, seed: 1 });
    expect(r.converged).toBe(true);
    expect(nonOptimalStates(grid, r.q)).toEqual([]);
    // With γ^100 ≈ 3e-5 truncation, q of the final policy at the target's "stay" is 1/(1 − γ) = 10.
    expect(r.q[grid.stateOf(3, 2) * 5 + 4]).toBeCloseTo(10, 3);
  });

  it('MC Basic with too-short episodes cannot see the target from far away', () => {
    // With one-step episodes q(s,a) = r(s,a): every non-forbidden, non-boundary move looks equally good (0).
    const r = mcBasic(grid, { gamma: 0.9, episodeLength: 1, seed: 1 });
    expect(r.q[0 * 5 + 2]).toBe(0);
    expect(r.q[0 * 5 + 0]).toBe(-1);
  });

  it('MC Exploring Starts finds an optimal policy', () => {
    const r = mcExploringStarts(grid, { gamma: 0.9, episodeLength: 60, episodes: 100_000, seed: 1 });
    expect(nonOptimalStates(grid, r.q)).toEqual([]);
    expect(r.policy.probs.every((p) => p === 0 || p === 1)).toBe(true);
  });

  it('MC ε-greedy converges to an ε-greedy policy whose greedy part is optimal', () => {
    const epsilon = 0.1;
    const r = mcEpsilonGreedy(grid, {
      gamma: 0.9,
      epsilon,
      episodeLength: 150,
      updateSteps: 50,
      episodes: 50_000,
      visit: 'first',
      seed: 3,
    });
    expect(nonOptimalStates(grid, r.q)).toEqual([]);
    // ε-greedy: the greedy action has 1 − ε(|A| − 1)/|A| = 0.92, each other action ε/|A| = 0.02.
    for (let s = 0; s < 25; s++) {
      const row = Array.from(r.policy.probs.subarray(s * 5, s * 5 + 5)).sort((a, b) => a - b);
      expect(row[4]).toBeCloseTo(0.92, 12);
      for (let i = 0; i < 4; i++) expect(row[i]).toBeCloseTo(0.02, 12);
    }
  });

  it('is reproducible for a seed', () => {
    const a = mcEpsilonGreedy(grid, { gamma: 0.9, epsilon: 0.2, episodeLength: 20, episodes: 200, seed: 9 });
    const b = mcEpsilonGreedy(grid, { gamma: 0.9, epsilon: 0.2, episodeLength: 20, episodes: 200, seed: 9 });
    expect(Array.from(a.q)).toEqual(Array.from(b.q));
  });

  it('rejects bad input naming the function and values', () => {
    expect(() => mcBasic(grid, { gamma: 1.5, episodeLength: 10, seed: 1 })).toThrow(
      /mcBasic: gamma must be in \[0, 1\), got 1.5/,
    );
    expect(() => mcBasic(grid, { gamma: 0.9, episodeLength: 0, seed: 1 })).toThrow(
      /mcBasic: episodeLength must be a positive integer, got 0/,
    );
    expect(() =>
      mcBasic(grid, { gamma: 0.9, episodeLength: 5, seed: 1, initialPolicy: uniformPolicy(3, 5) }),
    ).toThrow(/mcBasic: policy is 3x5 but the environment has 25 states and 5 actions/);
    expect(() => mcExploringStarts(grid, { gamma: 0.9, episodeLength: 5, episodes: 0, seed: 1 })).toThrow(
      /mcExploringStarts: episodes must be a positive integer, got 0/,
    );
    expect(() =>
      mcEpsilonGreedy(grid, { gamma: 0.9, epsilon: 2, episodeLength: 5, episodes: 1, seed: 1 }),
    ).toThrow(/mcEpsilonGreedy: epsilon must be in \[0, 1\], got 2/);
    expect(() =>
      mcEpsilonGreedy(grid, {
        gamma: 0.9,
        epsilon: 0.1,
        episodeLength: 5,
        updateSteps: 6,
        episodes: 1,
        seed: 1,
      }),
    ).toThrow(/updateSteps must be an integer in \[1, episodeLength = 5\], got 6/);
  });
});
