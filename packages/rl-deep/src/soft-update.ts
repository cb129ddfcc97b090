import { noGrad } from '@tessera/autograd';
import { tidy } from '@tessera/core';
import type { Module } from '@tessera/nn';

/**
 * Polyak averaging of a target network toward its online network, parameter by parameter:
 * θ′ ← τ·θ + (1 − τ)·θ′. τ = 1 copies the online weights, τ = 0 leaves the target as it is.
 */
export function softUpdate(target: Module, source: Module, tau: number): void {
  if (!(tau >= 0 && tau <= 1)) throw new Error(`softUpdate: tau must be in [0, 1], got ${tau}`);
  const to = target.namedParameters();
  const from = source.namedParameters();
  if (
    to.length !== from.length ||
    to.some(([name, t], i) => name !== from[i][0] || !sameShape(t.shape, from[i][1].shape))
  ) {
    throw new Error(
      `softUpdate: target parameters [${to.map(([n]) => n).join(', ')}] do not match the source's [${from.map(([n]) => n).join(', ')}]`,
    );
  }
  if (to.length === 0) return;
  const ctx = to[0][1].ctx;
  noGrad(
    () =>
      tidy(() => {
        for (let i = 0; i < to.length; i++) {
          const t = to[i][1];
          t.assign(t.mul(1 - tau).add(from[i][1].mul(tau)));
        }
      }, ctx),
    ctx,
  );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
