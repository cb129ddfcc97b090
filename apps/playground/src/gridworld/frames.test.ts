import { bookGridWorld } from '@tessera/rl';
import { BOOK_V_STAR } from '@tessera/rl/testing';
import { describe, expect, it } from 'vitest';
import { type Algorithm, type Frame, frames } from './frames.js';

function all(algorithm: Algorithm): Frame[] {
  return [...frames(algorithm, bookGridWorld())];
}

function expectBookValues(v: Float64Array): void {
  for (let s = 0; s < 25; s++)
    expect(Math.abs(v[s] - BOOK_V_STAR[s]), `state ${s}`).toBeLessThanOrEqual(0.05);
}

describe('GridWorld animation frames', () => {
  it('value iteration ends converged on the book’s optimal values, each sweep one frame', () => {
    const f = all('value-iteration');
    expect(f.at(-1)!.done).toBe(true);
    expect(f.slice(0, -1).every((x) => !x.done)).toBe(true);
    // Sweep k from v₀ = 0 changes v by at most γ^(k−1)·max|r| = 0.9^(k−1): stopping below 1e-6 takes > 100 sweeps.
    expect(f.length).toBeGreaterThan(100);
    expectBookValues(f.at(-1)!.v);
  });

  it('policy iteration ends on the book’s optimal values in a few improvements', () => {
    const f = all('policy-iteration');
    expect(f.length).toBeLessThan(20);
    expectBookValues(f.at(-1)!.v);
  });

  it('follows edited rewards and γ: with every reward 0 all values are 0', () => {
    const grid = bookGridWorld({ rTarget: 0, rForbidden: 0, rBoundary: 0, rOther: 0, gamma: 0.5 });
    const last = [...frames('value-iteration', grid)].at(-1)!;
    expect(Array.from(last.v)).toEqual(new Array(25).fill(0));
  });
});
