import { createContext } from '@tessera/core';
import { describe, it } from 'vitest';
import { RMSprop } from './rmsprop.js';
import { expectRowsClose, param, run } from './test-support.js';

const GRADS = [
  [0.5, -1.0],
  [0.25, 2.0],
  [-0.75, 0.5],
];
const THETA0 = [1.0, -2.0];

/** PyTorch's RMSprop rule, element by element. */
function reference(o: { lr: number; alpha: number; eps: number; mu: number; centered: boolean; wd: number }) {
  const theta = [...THETA0];
  const v = [0, 0];
  const gAvg = [0, 0];
  const buf = [0, 0];
  return GRADS.map((grad) => {
    for (let i = 0; i < 2; i++) {
      const g = grad[i] + o.wd * theta[i];
      v[i] = o.alpha * v[i] + (1 - o.alpha) * g * g;
      let avg: number;
      if (o.centered) {
        gAvg[i] = o.alpha * gAvg[i] + (1 - o.alpha) * g;
        avg = Math.sqrt(v[i] - gAvg[i] * gAvg[i]) + o.eps;
      } else avg = Math.sqrt(v[i]) + o.eps;
      if (o.mu > 0) {
        buf[i] = o.mu * buf[i] + g / avg;
        theta[i] -= o.lr * buf[i];
      } else theta[i] -= (o.lr * g) / avg;
    }
    return [...theta];
  });
}

const cases = [
  { name: 'plain', lr: 0.01, alpha: 0.9, eps: 1e-8, mu: 0, centered: false, wd: 0 },
  {
    name: 'centered with momentum and weight decay',
    lr: 0.01,
    alpha: 0.8,
    eps: 1e-3,
    mu: 0.9,
    centered: true,
    wd: 0.1,
  },
];

describe('RMSprop', () => {
  for (const c of cases) {
    it(`${c.name}: three steps match the published rule`, () => {
      const p = param(THETA0, createContext());
      const opt = new RMSprop([p], {
        lr: c.lr,
        alpha: c.alpha,
        eps: c.eps,
        momentum: c.mu,
        centered: c.centered,
        weightDecay: c.wd,
      });
      const got = run(p, GRADS, () => opt.step());
      const want = reference(c);
      expectRowsClose(got, want);
    });
  }
});
