import { describe, expect, it } from 'vitest';
import { bellmanResidual, policyRewards, policyTransitions } from './bellman.js';
import { BOOK_V_STAR } from './book-grid.test-support.js';
import { bookGridWorld, GridAction, GridWorld } from './gridworld.js';
import { solveLinearSystem } from './linear-solve.js';
import type { TabularMDP } from './mdp.js';
import { deterministicPolicy, uniformPolicy } from './policy.js';
import { policyEvaluation, policyEvaluationClosedForm } from './policy-evaluation.js';
import { policyIteration } from './policy-iteration.js';
import { truncatedPolicyIteration } from './truncated-policy-iteration.js';
import { valueIteration } from './value-iteration.js';

// The book's 5×5 example, written out from its 1-indexed (row, col) description.
const oneIndexed = (r: number, c: number) => [r - 1, c - 1] as const;
const grid = new GridWorld({
  rows: 5,
  cols: 5,
  forbidden: [
    oneIndexed(2, 2),
    oneIndexed(2, 3),
    oneIndexed(3, 3),
    oneIndexed(4, 2),
    oneIndexed(4, 4),
    oneIndexed(5, 2),
  ],
  target: oneIndexed(4, 3),
  rBoundary: -1,
  rForbidden: -1,
  rTarget: 1,
  rOther: 0,
  gamma: 0.9,
});
const mdp = grid.toMdp();

describe('value iteration', () => {
  it("reproduces the book's optimal state values on the 5×5 grid to ±0.05", () => {
    const { v, converged } = valueIteration(mdp);
    expect(converged).toBe(true);
    for (let s = 0; s < 25; s++) expect(Math.abs(v[s] - BOOK_V_STAR[s])).toBeLessThanOrEqual(0.05);
  });

  it('bookGridWorld() is the same grid', () => {
    const other = bookGridWorld().toMdp();
    expect(Array.from(other.P)).toEqual(Array.from(mdp.P));
    expect(Array.from(other.R)).toEqual(Array.from(mdp.R));
  });

  it('the target value is rTarget/(1 − γ) = 10 and the stay action is greedy there', () => {
    const { v, policy } = valueIteration(mdp);
    const target = grid.stateOf(3, 2);
    expect(v[target]).toBeCloseTo(10, 8);
    expect(policy.probs[target * 5 + GridAction.Stay]).toBe(1);
  });
});

describe('policy iteration and truncated policy iteration', () => {
  const vi = valueIteration(mdp, { tolerance: 1e-13 });

  it('policy iteration reaches the optimal values', () => {
    const pi = policyIteration(mdp);
    expect(pi.converged).toBe(true);
    for (let s = 0; s < 25; s++) {
      expect(Math.abs(pi.v[s] - BOOK_V_STAR[s])).toBeLessThanOrEqual(0.05);
      expect(pi.v[s]).toBeCloseTo(vi.v[s], 8);
    }
    const iterative = policyIteration(mdp, { evaluation: 'iterative' });
    for (let s = 0; s < 25; s++) expect(iterative.v[s]).toBeCloseTo(vi.v[s], 8);
  });

  it('truncated policy iteration reaches the optimal values for several j', () => {
    for (const evaluationSweeps of [1, 5, 50]) {
      const tpi = truncatedPolicyIteration(mdp, { evaluationSweeps, tolerance: 1e-12 });
      expect(tpi.converged).toBe(true);
      for (let s = 0; s < 25; s++) expect(tpi.v[s]).toBeCloseTo(vi.v[s], 8);
    }
  });
});

describe('policy evaluation', () => {
  it('closed-form and iterative evaluation agree to 1e-8', () => {
    const policies = [
      uniformPolicy(25, 5),
      deterministicPolicy(new Int32Array(25).fill(GridAction.Right), 5),
    ];
    for (const pi of policies) {
      const exact = policyEvaluationClosedForm(mdp, pi);
      const { v, converged } = policyEvaluation(mdp, pi, { tolerance: 1e-12 });
      expect(converged).toBe(true);
      for (let s = 0; s < 25; s++) expect(Math.abs(v[s] - exact[s])).toBeLessThan(1e-8);
    }
  });

  it('"stay" everywhere: v = r/(1 − γ), i.e. 10 at the target, −10 in forbidden cells, 0 elsewhere', () => {
    const stay = deterministicPolicy(new Int32Array(25).fill(GridAction.Stay), 5);
    const v = policyEvaluationClosedForm(mdp, stay);
    for (let s = 0; s < 25; s++) {
      const expected = grid.isTarget(s) ? 10 : grid.isForbidden(s) ? -10 : 0;
      expect(v[s]).toBeCloseTo(expected, 10);
    }
  });

  it('satisfies the Bellman equation v = r_π + γ P_π v', () => {
    const pi = uniformPolicy(25, 5);
    const v = policyEvaluationClosedForm(mdp, pi);
    expect(bellmanResidual(mdp, pi, v)).toBeLessThan(1e-10);
    // The same check written out with r_π and P_π.
    const r = policyRewards(mdp, pi);
    const P = policyTransitions(mdp, pi);
    for (let s = 0; s < 25; s++) {
      let rhs = r[s];
      for (let t = 0; t < 25; t++) rhs += 0.9 * P[s * 25 + t] * v[t];
      expect(v[s]).toBeCloseTo(rhs, 10);
    }
  });

  it('solves a two-state chain by hand: v₁ = 1 + γv₂, v₂ = γv₁ ⇒ v₁ = 1/(1 − γ²)', () => {
    // Two states, one action that swaps them; reward 1 when leaving state 0.
    const chain: TabularMDP = {
      nS: 2,
      nA: 1,
      P: Float64Array.of(0, 1, 1, 0),
      R: Float64Array.of(1, 0),
      gamma: 0.9,
    };
    const v = policyEvaluationClosedForm(chain, uniformPolicy(2, 1));
    expect(v[0]).toBeCloseTo(1 / (1 - 0.81), 12);
    expect(v[1]).toBeCloseTo(0.9 / (1 - 0.81), 12);
  });
});

describe('solveLinearSystem', () => {
  it('needs pivoting for a zero leading entry and solves it', () => {
    expect(Array.from(solveLinearSystem([0, 1, 1, 0], [2, 3], 2))).toEqual([3, 2]);
    const x = solveLinearSystem([2, 1, -1, -3, -1, 2, -2, 1, 2], [8, -11, -3], 3); // classic example: (2, 3, −1)
    expect(x[0]).toBeCloseTo(2, 12);
    expect(x[1]).toBeCloseTo(3, 12);
    expect(x[2]).toBeCloseTo(-1, 12);
  });

  it('throws on singular or mis-sized systems', () => {
    expect(() => solveLinearSystem([1, 2, 2, 4], [1, 2], 2)).toThrow(/solveLinearSystem: matrix is singular/);
    expect(() => solveLinearSystem([1, 2, 3], [1, 2], 2)).toThrow(/A must have n·n = 4 entries, got 3/);
  });
});

describe('bad input', () => {
  it('throws naming the function and values, before any work', () => {
    expect(() => valueIteration({ ...mdp, gamma: 1 })).toThrow(
      /valueIteration: gamma must be in \[0, 1\), got 1/,
    );
    expect(() => valueIteration({ ...mdp, gamma: -0.1 })).toThrow(/got -0.1/);
    expect(() => valueIteration({ ...mdp, R: new Float64Array(3) })).toThrow(
      /valueIteration: R must have nS·nA = 125 entries, got 3/,
    );
    expect(() => valueIteration(mdp, { v0: [1, 2] })).toThrow(
      /valueIteration: v must have nS = 25 entries, got 2/,
    );
    expect(() => policyEvaluationClosedForm(mdp, uniformPolicy(4, 5))).toThrow(
      /policy is 4x5 but the MDP has nS=25, nA=5/,
    );
    const badRow = uniformPolicy(25, 5);
    badRow.probs[0] = 0.5;
    expect(() => policyEvaluation(mdp, badRow)).toThrow(/policyEvaluation: π\(·\|s=0\) sums to 1.29/);
    const P = Float64Array.from(mdp.P);
    P[0] = 0.5;
    expect(() => policyIteration({ ...mdp, P })).toThrow(/policyIteration: p\(·\|s=0,a=0\) sums to/);
    expect(() => truncatedPolicyIteration(mdp, { evaluationSweeps: 0 })).toThrow(
      /evaluationSweeps must be a positive integer, got 0/,
    );
    expect(() => deterministicPolicy([0, 5], 5)).toThrow(/deterministicPolicy: actions\[1\] = 5/);
  });
});
