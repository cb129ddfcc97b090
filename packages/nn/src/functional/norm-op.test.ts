import { backward, checkGrad, grad, requiresGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { layerNorm, rmsNorm } from './normalization.js';

const context = createContext();
manualSeed(17, context);
const rnd = (shape: number[], dtype: 'f32' | 'f64' = 'f64'): Tensor => randn(shape, { dtype, context });

/** Plain-loop reference: each row of n values normalized, then scaled by γ and shifted by β. */
function reference(
  kind: 'layer' | 'rms',
  x: number[],
  n: number,
  w: number[] | undefined,
  b: number[] | undefined,
  eps: number,
): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / n; r++) {
    const row = x.slice(r * n, r * n + n);
    const mean = kind === 'layer' ? row.reduce((a, v) => a + v, 0) / n : 0;
    const ms = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const s = 1 / Math.sqrt(ms + eps);
    for (const [i, v] of row.entries()) out.push((v - mean) * s * (w?.[i] ?? 1) + (b?.[i] ?? 0));
  }
  return out;
}

const norm = (kind: 'layer' | 'rms', x: Tensor, shape: number[], w?: Tensor, b?: Tensor, eps = 1e-5) =>
  kind === 'layer' ? layerNorm(x, shape, w, b, eps) : rmsNorm(x, shape, w, eps);

const CASES = [
  { name: 'no affine', weight: false, bias: false },
  { name: 'γ', weight: true, bias: false },
  { name: 'γ and β', weight: true, bias: true },
] as const;

describe('fused layer and RMS norm (CPU kernels)', () => {
  for (const kind of ['layer', 'rms'] as const) {
    for (const c of CASES) {
      if (kind === 'rms' && c.bias) continue;
      it(`${kind}Norm, ${c.name}: forward matches the plain-loop formula over two trailing axes`, async () => {
        const x = rnd([3, 2, 4, 5], 'f32');
        const w = c.weight ? rnd([4, 5], 'f32') : undefined;
        const b = c.bias ? rnd([4, 5], 'f32') : undefined;
        const y = norm(kind, x, [4, 5], w, b, 1e-3);
        expect(y.shape).toEqual([3, 2, 4, 5]);
        const want = reference(
          kind,
          Array.from(await x.data()),
          20,
          w && Array.from(await w.data()),
          b && Array.from(await b.data()),
          1e-3,
        );
        const got = Array.from(await y.data());
        got.forEach((v, i) => {
          expect(v).toBeCloseTo(want[i], 5);
        });
      });

      it(`${kind}Norm, ${c.name}: gradients of x, γ, β match finite differences`, async () => {
        const inputs = [rnd([4, 6]), ...(c.weight ? [rnd([6])] : []), ...(c.bias ? [rnd([6])] : [])];
        await checkGrad((x, w, b) => norm(kind, x, [6], w, b), inputs);
      });

      it(`${kind}Norm, ${c.name}: second derivatives (a createGraph backward) match finite differences`, async () => {
        const r = rnd([3, 5]);
        const inputs = [rnd([3, 5]), ...(c.weight ? [rnd([5])] : []), ...(c.bias ? [rnd([5])] : [])];
        // The gradient of Σ r·norm(x) with respect to x, itself differentiated in x, γ and β.
        await checkGrad((x, w, b) => grad((xx: Tensor) => norm(kind, xx, [5], w, b).mul(r).sum())(x), inputs);
      });
    }
  }

  it('a strided input (a transposed view) and a batch of one row', async () => {
    await checkGrad((x, w, b) => layerNorm(x.transpose(0, 1), [3], w, b), [rnd([3, 4]), rnd([3]), rnd([3])]);
    await checkGrad((x, w) => rmsNorm(x, [7], w), [rnd([1, 7]), rnd([7])]);
  });

  it('f32 gradients agree with f64 ones, and only the inputs that want one get one', () => {
    const x64 = rnd([16, 32]);
    const w64 = rnd([32]);
    const b64 = rnd([32]);
    const run = (dtype: 'f32' | 'f64', gradOfW: boolean) => {
      const [x, w, b] = [x64, w64, b64].map((t) => t.cast(dtype));
      requiresGrad(x);
      if (gradOfW) requiresGrad(w);
      backward(layerNorm(x, [32], w, b).mul(x.cast(dtype)).sum());
      return { x, w, b };
    };
    const wide = run('f64', true);
    const narrow = run('f32', true);
    const dx = Array.from(narrow.x.grad!.dataSync());
    const dw = Array.from(narrow.w.grad!.dataSync());
    for (const [i, v] of wide.x.grad!.dataSync().entries()) expect(dx[i]).toBeCloseTo(v, 3);
    for (const [i, v] of wide.w.grad!.dataSync().entries()) expect(dw[i]).toBeCloseTo(v, 3);
    const only = run('f32', false);
    expect(only.x.grad).toBeDefined();
    expect(only.w.grad).toBeUndefined();
    expect(only.b.grad).toBeUndefined();
  });

  it('a constant row normalizes to β (the variance is 0, ε keeps it finite)', () => {
    const x = tensor([2, 2, 2, 2], [1, 4], { context });
    const b = tensor([0.5, -1, 0, 3], { context });
    const w = tensor([1, 1, 1, 1], { context });
    expect(Array.from(layerNorm(x, [4], w, b).dataSync())).toEqual([0.5, -1, 0, 3]);
  });

  it('bad shapes are named before any work', () => {
    expect(() => layerNorm(rnd([2, 3], 'f32'), [4])).toThrow(/layerNorm: input \[2, 3\] must end in/);
    expect(() => rmsNorm(rnd([2, 3], 'f32'), [3], rnd([4], 'f32'))).toThrow(
      /rmsNorm: weight \[4\] must have the normalized shape \[3\]/,
    );
  });
});
