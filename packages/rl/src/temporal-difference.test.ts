import { describe, expect, it } from 'vitest';
import { bookExampleGrid, nonOptimalStates } from './book-grid.test-support.js';
import { greedyActions, uniformPolicy } from './policy.js';
import { policyEvaluationClosedForm } from './policy-evaluation.js';
import { qLearning } from './q-learning.js';
import { sarsa } from './sarsa.js';
import { tdLearning } from './td-learning.js';

describe('temporal-difference methods on the book grid', () => {
  const grid = bookExampleGrid();

  it('TD(0) estimates the state values of the uniform policy', () => {
    const pi = uniformPolicy(25, 5);
    const exact = policyEvaluationClosedForm(grid.toMdp(), pi);
    const { v } = tdLearning(grid, pi, {
      gamma: 0.9,
      alpha: 0.005,
      episodes: 400,
      episodeLength: 1000,
      seed: 2,
    });
    for (let s = 0; s < 25; s++) expect(Math.abs(v[s] - exact[s])).toBeLessThan(0.3);
  });

  it('off-policy Q-learning from uniformly random behaviour finds an optimal policy', () => {
    const r = qLearning(grid, {
      gamma: 0.9,
      alpha: 0.1,
      episodes: 100,
      episodeLength: 1000,
      seed: 1,
      behaviorPolicy: uniformPolicy(25, 5),
    });
    expect(nonOptimalStates(grid, r.q)).toEqual([]);
  });

  it('Sarsa with decaying ε finds an optimal path from the top-left corner (return = v*(1,1) ≈ 5.8)', () => {
    const r = sarsa(grid, {
      gamma: 0.9,
      alpha: 0.1,
      epsilon: (e) => Math.max(0.01, 0.5 * (1 - e / 1500)),
      episodes: 2000,
      episodeLength: 100,
      seed: 1,
    });
    // Follow the greedy policy deterministically from (1,1) and add up γ^t r_{t+1}.
    const act = greedyActions(r.policy);
    let s = grid.reset({ options: { startState: 0 } }).observation;
    let g = 0;
    for (let t = 0; t < 300; t++) {
      const step = grid.step(act[s]);
      g += 0.9 ** t * step.reward;
      s = step.observation;
    }
    expect(Math.abs(g - 5.8)).toBeLessThanOrEqual(0.05);
  });

  it('rejects bad input naming the function and values', () => {
    const pi = uniformPolicy(25, 5);
    const base = { gamma: 0.9, alpha: 0.1, episodes: 1, episodeLength: 1, seed: 1 };
    expect(() => tdLearning(grid, pi, { ...base, alpha: 0 })).toThrow(
      /tdLearning: alpha must be in \(0, 1\], got 0/,
    );
    expect(() => tdLearning(grid, uniformPolicy(25, 4), base)).toThrow(/tdLearning: policy is 25x4/);
    expect(() => sarsa(grid, { ...base, epsilon: -1 })).toThrow(/sarsa: epsilon must be in \[0, 1\], got -1/);
    expect(() => sarsa(grid, { ...base, epsilon: 0.1, startState: 25 })).toThrow(
      /sarsa: startState must be .* got 25/,
    );
    expect(() => qLearning(grid, base)).toThrow(/qLearning: give either behaviorPolicy/);
  });
});
