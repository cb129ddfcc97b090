import { createContext, memory, tensor } from '@tessera/core';
import { Linear } from '@tessera/nn';
import { describe, expect, it } from 'vitest';
import { softUpdate } from './soft-update.js';

const values = (m: Linear) => m.parameters().map((p) => Array.from(p.dataSync()));

describe('softUpdate', () => {
  const context = createContext();
  const make = (w: number[][], b: number[]) => {
    const m = new Linear(2, 2, { context });
    m.loadStateDict({ weight: tensor(w, { context }), bias: tensor(b, { context }) });
    return m;
  };

  it('copies with τ = 1 and keeps the target with τ = 0', () => {
    const source = make(
      [
        [1, 2],
        [3, 4],
      ],
      [5, 6],
    );
    const target = make(
      [
        [-1, -2],
        [-3, -4],
      ],
      [-5, -6],
    );
    softUpdate(target, source, 0);
    expect(values(target)).toEqual([
      [-1, -2, -3, -4],
      [-5, -6],
    ]);
    softUpdate(target, source, 1);
    expect(values(target)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    expect(values(source)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('moves θ′ to τ·θ + (1 − τ)·θ′ and leaves the live tensor count unchanged', () => {
    const source = make(
      [
        [1, 2],
        [3, 4],
      ],
      [5, 6],
    );
    const target = make(
      [
        [-1, 0],
        [1, 0],
      ],
      [2, 2],
    );
    const live = memory(context).tensors;
    softUpdate(target, source, 0.25);
    expect(memory(context).tensors).toBe(live);
    const [w, b] = values(target);
    // weight: 0.25·[1, 2, 3, 4] + 0.75·[−1, 0, 1, 0]; bias: 0.25·[5, 6] + 0.75·[2, 2]
    expect(w.map((x) => Number(x.toFixed(6)))).toEqual([-0.5, 0.5, 1.5, 1]);
    expect(b.map((x) => Number(x.toFixed(6)))).toEqual([2.75, 3]);
    expect(() => softUpdate(target, new Linear(3, 2, { context }), 0.5)).toThrow(/do not match/);
    expect(() => softUpdate(target, source, 1.5)).toThrow(/tau must be in \[0, 1\], got 1.5/);
  });
});
