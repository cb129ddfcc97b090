import { createContext } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { SGD } from './sgd.js';
import { expectRowsClose, param, run } from './test-support.js';

const GRADS = [
  [0.5, -1.0],
  [0.25, 2.0],
  [-0.75, 0.5],
];
const THETA0 = [1.0, -2.0];

/** PyTorch's SGD rule, element by element. */
function reference(o: { lr: number; mu: number; damp: number; nesterov: boolean; wd: number }): number[][] {
  const theta = [...THETA0];
  const buf = [0, 0];
  return GRADS.map((grad, k) => {
    for (let i = 0; i < 2; i++) {
      let d = grad[i] + o.wd * theta[i];
      if (o.mu > 0) {
        buf[i] = k === 0 ? d : o.mu * buf[i] + (1 - o.damp) * d;
        d = o.nesterov ? d + o.mu * buf[i] : buf[i];
      }
      theta[i] -= o.lr * d;
    }
    return [...theta];
  });
}

const cases = [
  { name: 'plain', lr: 0.1, mu: 0, damp: 0, nesterov: false, wd: 0 },
  { name: 'momentum with dampening and weight decay', lr: 0.1, mu: 0.9, damp: 0.3, nesterov: false, wd: 0.1 },
  { name: 'Nesterov', lr: 0.05, mu: 0.8, damp: 0, nesterov: true, wd: 0.01 },
];

describe('SGD', () => {
  for (const c of cases) {
    it(`${c.name}: three steps match the published rule`, () => {
      const p = param(THETA0, createContext());
      const opt = new SGD([p], {
        lr: c.lr,
        momentum: c.mu,
        dampening: c.damp,
        nesterov: c.nesterov,
        weightDecay: c.wd,
      });
      const got = run(p, GRADS, () => opt.step());
      const want = reference(c);
      expectRowsClose(got, want);
    });
  }

  it('Nesterov without momentum is rejected', () => {
    const p = param([1], createContext());
    expect(() => new SGD([p], { nesterov: true })).toThrow(
      /SGD: group 0: Nesterov momentum needs momentum > 0/,
    );
  });

  it('parameters without a gradient are skipped', () => {
    const p = param([1, 2], createContext());
    const opt = new SGD([p], { lr: 1 });
    opt.step();
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
  });
});
