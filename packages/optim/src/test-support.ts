import { requiresGrad } from '@tessera/autograd';
import { type Context, keep, type Tensor, tensor } from '@tessera/core';
import { expect } from 'vitest';

/** An f64 parameter with the given values. */
export function param(values: number[], context: Context): Tensor {
  return requiresGrad(keep(tensor(values, { dtype: 'f64', context })));
}

/** Sets p.grad to the given values (replacing and disposing any previous gradient). */
export function setGrad(p: Tensor, values: number[]): void {
  p.grad?.dispose();
  p.grad = keep(tensor(values, { dtype: 'f64', context: p.ctx }));
}

/** Runs `steps` optimizer steps with the given gradient sequence and returns θ after each. */
export function run(p: Tensor, grads: number[][], step: () => void): number[][] {
  return grads.map((g) => {
    setGrad(p, g);
    step();
    return Array.from(p.dataSync());
  });
}

/** Element-wise toBeCloseTo over rows of numbers. */
export function expectRowsClose(got: number[][], want: number[][], digits = 12): void {
  for (let k = 0; k < want.length; k++) {
    for (let i = 0; i < want[k].length; i++) expect(got[k][i]).toBeCloseTo(want[k][i], digits);
  }
}
