import { requiresGrad } from '@tessera/autograd';
import { createContext, keep, type Tensor, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adam.js';
import { canFuseAdam } from './fused-adam.js';
import { expectRowsClose, param, run, setGrad } from './test-support.js';

const GRADS = [
  [0.5, -1.0],
  [0.25, 2.0],
  [-0.75, 0.5],
];
const THETA0 = [1.0, -2.0];

/** The published Adam/AdamW rule, element by element, with plain numbers. */
function reference(opts: {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  decoupled: boolean;
}) {
  const theta = [...THETA0];
  const m = [0, 0];
  const v = [0, 0];
  return GRADS.map((grad, k) => {
    const t = k + 1;
    for (let i = 0; i < 2; i++) {
      let g = grad[i];
      if (opts.decoupled) theta[i] *= 1 - opts.lr * opts.wd;
      else g += opts.wd * theta[i];
      m[i] = opts.b1 * m[i] + (1 - opts.b1) * g;
      v[i] = opts.b2 * v[i] + (1 - opts.b2) * g * g;
      const mHat = m[i] / (1 - opts.b1 ** t);
      const vHat = v[i] / (1 - opts.b2 ** t);
      theta[i] -= (opts.lr * mHat) / (Math.sqrt(vHat) + opts.eps);
    }
    return [...theta];
  });
}

const expectClose = (actual: number[][], expected: number[][]): void => expectRowsClose(actual, expected);

describe('Adam', () => {
  it('first three steps follow the bias-corrected update with L2 weight decay', () => {
    const context = createContext();
    const p = param(THETA0, context);
    const opt = new Adam([p], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.2 });
    const got = run(p, GRADS, () => opt.step());
    expectClose(got, reference({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0.2, decoupled: false }));
  });

  it('the first step moves each weight by lr·sign(g) (m̂/√v̂ = ±1 when ε = 0)', () => {
    const context = createContext();
    const p = param([0, 0], context);
    const opt = new Adam([p], { lr: 0.01, eps: 0 });
    const [after] = run(p, [[3, -0.001]], () => opt.step());
    expect(after[0]).toBeCloseTo(-0.01, 12);
    expect(after[1]).toBeCloseTo(0.01, 12);
  });

  it('rejects bad betas naming the optimizer and group', () => {
    const p = param([1], createContext());
    expect(() => new Adam([p], { betas: [1, 0.9] })).toThrow(/Adam: group 0: betas must be in \[0, 1\)/);
  });
});

describe('AdamW', () => {
  it('first three steps apply the decay to the weights, decoupled from the moments', () => {
    const context = createContext();
    const p = param(THETA0, context);
    const opt = new AdamW([p], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.5 });
    const got = run(p, GRADS, () => opt.step());
    expectClose(got, reference({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0.5, decoupled: true }));
    // and it differs from Adam's coupled L2 decay
    const coupled = reference({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0.5, decoupled: false });
    expect(Math.abs(got[2][0] - coupled[2][0])).toBeGreaterThan(1e-3);
  });

  it('parameter groups take their own lr and weight decay', () => {
    const context = createContext();
    const a = param(THETA0, context);
    const b = param(THETA0, context);
    const opt = new AdamW(
      [
        { params: [a], lr: 0.1, weightDecay: 0.5 },
        { params: [b], weightDecay: 0 },
      ],
      { lr: 0.05, betas: [0.8, 0.9], eps: 1e-3 },
    );
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay])).toEqual([
      [0.1, 0.5],
      [0.05, 0],
    ]);
    const ga: number[][] = [];
    const gb: number[][] = [];
    for (const g of GRADS) {
      setGrad(a, g);
      setGrad(b, g);
      opt.step();
      ga.push(Array.from(a.dataSync()));
      gb.push(Array.from(b.dataSync()));
    }
    expectClose(ga, reference({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0.5, decoupled: true }));
    expectClose(gb, reference({ lr: 0.05, b1: 0.8, b2: 0.9, eps: 1e-3, wd: 0, decoupled: true }));
  });

  it('stateDict/loadStateDict resumes exactly where it left off', () => {
    const ctx1 = createContext();
    const p = param(THETA0, ctx1);
    const opt = new AdamW([p], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.5 });
    run(p, GRADS.slice(0, 2), () => opt.step());
    const q = param(Array.from(p.dataSync()), ctx1);
    const resumed = new AdamW([q], { lr: 0.7 });
    resumed.loadStateDict(opt.stateDict());
    expect(resumed.paramGroups[0].lr).toBe(0.1);
    const [a] = run(p, [GRADS[2]], () => opt.step());
    const [b] = run(q, [GRADS[2]], () => resumed.step());
    expect(b).toEqual(a);
  });
});

describe('the fused CPU step (contiguous f32)', () => {
  const f32Param = (values: number[], context: ReturnType<typeof createContext>) =>
    requiresGrad(keep(tensor(values, { dtype: 'f32', context })));
  const f32Run = (p: Tensor, step: () => void) =>
    GRADS.map((g) => {
      p.grad?.dispose();
      p.grad = keep(tensor(g, { dtype: 'f32', context: p.ctx }));
      step();
      return Array.from(p.dataSync());
    });

  it('takes f32 contiguous tensors on the CPU and leaves f64 or strided ones to the op-by-op step', () => {
    const context = createContext();
    const a = tensor([1, 2, 3, 4], [2, 2], { context });
    const b = tensor([1, 2, 3, 4], [2, 2], { dtype: 'f64', context });
    expect(canFuseAdam(a, a, a, a)).toBe(true);
    expect(canFuseAdam(b, b, b, b)).toBe(false);
    expect(canFuseAdam(a, a.transpose(0, 1), a, a)).toBe(false);
  });

  for (const [Opt, decoupled, wd] of [
    [Adam, false, 0.2],
    [AdamW, true, 0.5],
  ] as const) {
    it(`${Opt.name} follows the published rule to f32 precision`, () => {
      const context = createContext();
      const p = f32Param(THETA0, context);
      const opt = new Opt([p], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3, weightDecay: wd });
      const got = f32Run(p, () => opt.step());
      expectRowsClose(got, reference({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3, wd, decoupled }), 6);
    });
  }

  it('large parameters take the WebAssembly SIMD step on 1 and 2 threads, within f32 of the rule', () => {
    // 5,003 elements: past the wasm threshold, not a whole number of vectors or of 16-element tasks.
    const n = 5003;
    const rng = new Rng(11);
    const theta0 = Array.from({ length: n }, () => rng.uniform(-2, 2));
    const grads = [0, 1, 2].map(() => Array.from({ length: n }, () => rng.normal() * 0.3));
    const opts = { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1 };
    for (const decoupled of [false, true]) {
      // The rule in f64, element by element.
      const theta = Float64Array.from(theta0, Math.fround);
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      const want = grads.map((grad, k) => {
        for (let i = 0; i < n; i++) {
          let g = Math.fround(grad[i]);
          if (decoupled) theta[i] *= 1 - opts.lr * opts.wd;
          else g += opts.wd * theta[i];
          m[i] = opts.b1 * m[i] + (1 - opts.b1) * g;
          v[i] = opts.b2 * v[i] + (1 - opts.b2) * g * g;
          const mHat = m[i] / (1 - opts.b1 ** (k + 1));
          const vHat = v[i] / (1 - opts.b2 ** (k + 1));
          theta[i] -= (opts.lr * mHat) / (Math.sqrt(vHat) + opts.eps);
        }
        return Array.from(theta);
      });
      const results = [1, 2].map((threads) => {
        const context = createContext({ cpu: { threads } });
        const p = requiresGrad(keep(tensor(theta0, { dtype: 'f32', context })));
        const Opt = decoupled ? AdamW : Adam;
        const opt = new Opt([p], {
          lr: opts.lr,
          betas: [opts.b1, opts.b2],
          eps: opts.eps,
          weightDecay: opts.wd,
        });
        const got = grads.map((g) => {
          p.grad?.dispose();
          p.grad = keep(tensor(g, { dtype: 'f32', context }));
          opt.step();
          return Array.from(p.dataSync());
        });
        let worst = 0;
        for (let k = 0; k < grads.length; k++)
          for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[k][i] - want[k][i]));
        expect(worst).toBeLessThan(2e-6);
        return got[2];
      });
      expect(results[1]).toEqual(results[0]);
    }
  });
});
