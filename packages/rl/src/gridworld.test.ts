import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { GridAction, GridWorld } from './gridworld.js';
import { MdpEnv } from './mdp-env.js';

const { Up, Right, Down, Left, Stay } = GridAction;

// 3×3: forbidden at (row 1, col 1), target at (2, 2); distinct rewards so each case is identifiable.
function small(extra: Partial<ConstructorParameters<typeof GridWorld>[0]> = {}): GridWorld {
  return new GridWorld({
    rows: 3,
    cols: 3,
    forbidden: [[1, 1]],
    target: [2, 2],
    rBoundary: -1,
    rForbidden: -10,
    rTarget: 1,
    rOther: 0,
    gamma: 0.9,
    ...extra,
  });
}

describe('GridWorld (Gymnasium interface)', () => {
  it('reset with the same seed gives the same start states; random starts cover the grid', () => {
    const a = small();
    const b = small();
    const startsA = [a.reset({ seed: 42 }).observation];
    const startsB = [b.reset({ seed: 42 }).observation];
    for (let i = 0; i < 50; i++) {
      startsA.push(a.reset().observation);
      startsB.push(b.reset().observation);
    }
    expect(startsA).toEqual(startsB);
    expect(new Set(startsA).size).toBe(9);
    expect(startsA.every((s) => a.observationSpace.contains(s))).toBe(true);
  });

  it('reset honours a configured start and options.startState, and reports the cell in info', () => {
    const g = small({ start: [0, 2] });
    expect(g.reset({ seed: 1 })).toEqual({ observation: 2, info: { row: 0, col: 2 } });
    expect(g.reset({ options: { startState: 4 } }).observation).toBe(4);
  });

  it('a move into the boundary stays in place and pays rBoundary', () => {
    const g = small();
    g.reset({ options: { startState: 0 } });
    expect(g.step(Up)).toEqual({
      observation: 0,
      reward: -1,
      terminated: false,
      truncated: false,
      info: { row: 0, col: 0 },
    });
    expect(g.step(Left).observation).toBe(0);
  });

  it('a forbidden cell can be entered and pays rForbidden, also for staying in it', () => {
    const g = small();
    g.reset({ options: { startState: 1 } });
    const enter = g.step(Down);
    expect(enter.observation).toBe(4);
    expect(enter.reward).toBe(-10);
    expect(g.step(Stay)).toMatchObject({ observation: 4, reward: -10 });
    expect(g.step(Right)).toMatchObject({ observation: 5, reward: 0 });
  });

  it('the target is not terminal: entering and staying both pay rTarget, leaving pays rOther', () => {
    const g = small();
    g.reset({ options: { startState: 5 } });
    expect(g.step(Down)).toMatchObject({ observation: 8, reward: 1, terminated: false });
    expect(g.step(Stay)).toMatchObject({ observation: 8, reward: 1, terminated: false });
    expect(g.step(Left)).toMatchObject({ observation: 7, reward: 0 });
    g.reset({ options: { startState: 8 } });
    expect(g.step(Right)).toMatchObject({ observation: 8, reward: -1 }); // boundary from the target
  });

  it('truncates after maxEpisodeSteps', () => {
    const g = small({ maxEpisodeSteps: 2 });
    g.reset({ options: { startState: 0 } });
    expect(g.step(Stay).truncated).toBe(false);
    expect(g.step(Stay).truncated).toBe(true);
  });

  it('toMdp gives p(s′|s,a) and r(s,a) matching step()', () => {
    const g = small();
    const mdp = g.toMdp();
    expect(mdp.gamma).toBe(0.9);
    for (let s = 0; s < 9; s++) {
      for (let a = 0; a < 5; a++) {
        g.reset({ options: { startState: s } });
        const { observation, reward } = g.step(a);
        expect(mdp.P[(s * 5 + a) * 9 + observation]).toBe(1);
        expect(mdp.R[s * 5 + a]).toBe(reward);
      }
    }
  });

  it('MdpEnv samples the same deterministic dynamics from the model', () => {
    const g = small();
    const env = new MdpEnv(g.toMdp());
    env.reset({ seed: 3, options: { startState: 3 } });
    expect(env.step(Right)).toMatchObject({ observation: 4, reward: -10 });
    expect(env.step(Down)).toMatchObject({ observation: 7, reward: 0 });
    expect(env.step(Right)).toMatchObject({ observation: 8, reward: 1 });
  });

  it('the spaces sample members and reject non-members', () => {
    const g = small();
    const rng = new Rng(5);
    for (let i = 0; i < 20; i++) expect(g.actionSpace.contains(g.actionSpace.sample(rng))).toBe(true);
    expect(g.actionSpace.contains(5)).toBe(false);
    expect(g.actionSpace.contains(1.5)).toBe(false);
    expect(g.observationSpace.n).toBe(9);
  });

  it('rejects bad configuration and bad actions, naming the values', () => {
    expect(() => small({ target: [1, 1] })).toThrow(/GridWorld: target \[1,1\] is inside the forbidden/);
    expect(() => small({ target: [3, 0] })).toThrow(/GridWorld: target \[3,0\] is outside the 3x3 grid/);
    expect(() => small({ gamma: 1 })).toThrow(/GridWorld: gamma must be in \[0, 1\), got 1/);
    expect(() => small({ rTarget: Number.NaN })).toThrow(/GridWorld: rTarget must be a finite number/);
    expect(() => new GridWorld({ rows: 0, cols: 2, target: [0, 0] })).toThrow(/rows=0/);
    const g = small();
    expect(() => g.step(Up)).toThrow(/call reset\(\) before step\(\)/);
    g.reset({ seed: 0 });
    expect(() => g.step(7)).toThrow(/GridWorld.transition: action must be an integer in \[0, 5\), got 7/);
    expect(() => g.reset({ options: { startState: 9 } })).toThrow(/GridWorld.reset: state must be .* got 9/);
    expect(() => g.stateOf(0, 3)).toThrow(/GridWorld.stateOf: \[0, 3\] is outside/);
  });
});
