import { type Context, keep, linspace, manualSeed, matmul, mean, randn, tidy } from '@tessera/core';
import { noGrad, requiresGrad } from './grad-mode.js';

/**
 * The tests' toy model: a 1 → 16 → 1 tanh MLP fitting sin on [−2, 2] (32 points, f64), with
 * parameters that require grad and a plain full-batch SGD update.
 */
export function toyMlp(ctx: Context, seed: number) {
  manualSeed(seed, ctx);
  const o = { dtype: 'f64' as const, context: ctx };
  const x = linspace(-2, 2, 32, o).reshape([32, 1]);
  const y = x.sin();
  const params = [
    requiresGrad(keep(randn([1, 16], o).mul(0.8))),
    requiresGrad(keep(randn([16], o).mul(0.1))),
    requiresGrad(keep(randn([16, 1], o).mul(0.3))),
    requiresGrad(keep(randn([1], o).mul(0.1))),
  ];
  const forward = () => {
    const [w1, b1, w2, b2] = params;
    return matmul(matmul(x, w1).add(b1).tanh(), w2).add(b2);
  };
  const loss = () => mean(forward().sub(y).square());
  /** p ← p − lr·∇p for every parameter, replacing the leaves (their .grad is consumed). */
  const sgd = (lr: number) =>
    noGrad(
      () =>
        tidy(() => {
          params.forEach((p, i) => {
            const next = requiresGrad(keep(p.sub(p.grad!.mul(lr))));
            p.grad!.dispose();
            p.dispose();
            params[i] = next;
          });
        }, ctx),
      ctx,
    );
  return { x, y, params, forward, loss, sgd };
}
