import {
  createContext,
  getRngState,
  keep,
  manualSeed,
  matmul,
  memory,
  rand,
  randn,
  type Tensor,
  tidy,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward, checkpoint, grad, requiresGrad } from './index.js';

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Three tanh layers with dropout drawn from the context's stream; the weights are leaves it closes over. */
function setup(seed = 1) {
  const context = createContext();
  manualSeed(seed, context);
  const ws = [0, 1, 2].map(() => requiresGrad(keep(randn([16, 16], { context }).mul(0.3))));
  const x = requiresGrad(keep(randn([8, 16], { context })));
  const layer = (w: Tensor) => (h: Tensor) => {
    const keepMask = rand(h.shape as number[], { context }).lt(0.8);
    return matmul(h, w).tanh().mul(keepMask).div(0.8);
  };
  return { context, ws, x, layers: ws.map(layer) };
}

describe('checkpoint', () => {
  it('gives the same loss and gradients as the unchecked function, dropout included (1e-6)', () => {
    const plain = setup();
    const ckpt = setup();
    const lossPlain = tidy(() => {
      let h: Tensor = plain.x;
      for (const f of plain.layers) h = f(h);
      const l = h.square().sum();
      backward(l);
      return l.itemSync();
    }, plain.context);
    const lossCkpt = tidy(() => {
      let h: Tensor = ckpt.x;
      for (const f of ckpt.layers) h = checkpoint(f, h);
      const l = h.square().sum();
      backward(l);
      return l.itemSync();
    }, ckpt.context);
    expect(Math.abs(lossCkpt - lossPlain)).toBeLessThan(1e-6);
    expect(maxDiff(ckpt.x.grad!, plain.x.grad!)).toBeLessThan(1e-6);
    for (let i = 0; i < 3; i++) expect(maxDiff(ckpt.ws[i].grad!, plain.ws[i].grad!)).toBeLessThan(1e-6);
    // The random stream moves on exactly as it does without checkpointing (backward's replay is undone).
    expect(getRngState(ckpt.context)).toEqual(getRngState(plain.context));
  });

  it('keeps none of fn’s intermediates: only the output and the input it will replay from', () => {
    const context = createContext();
    const x = requiresGrad(keep(randn([1000], { context })));
    const chain = (h: Tensor) => h.mul(2).exp().mul(3).tanh().sin();
    const held = (f: () => Tensor) => {
      const before = memory(context).bytes;
      const y = tidy(f, context);
      const bytes = memory(context).bytes - before;
      tidy(() => backward(y.sum()), context);
      y.dispose();
      x.grad?.dispose();
      x.grad = undefined;
      return bytes;
    };
    const plain = held(() => chain(x));
    const ckpt = held(() => checkpoint(chain, x));
    // The output alone is 4,000 bytes. Unchecked, exp's and tanh's outputs are kept too (their
    // derivatives are written in their outputs; sin keeps its input, tanh's output): 3 × 4,000.
    expect(ckpt).toBe(4000);
    expect(plain).toBeGreaterThanOrEqual(3 * 4000);
  });

  it('works inside the functional grad and with several outputs', () => {
    const context = createContext();
    const x = keep(randn([5], { context }));
    const f = (h: Tensor) => [h.sin(), h.mul(h)];
    const g1 = grad((h: Tensor) => {
      const [a, b] = f(h);
      return a.sum().add(b.sum());
    })(x);
    const g2 = grad((h: Tensor) => {
      const [a, b] = checkpoint(f, h);
      return a.sum().add(b.sum());
    })(x);
    expect(maxDiff(g1, g2)).toBeLessThan(1e-6);
    // d/dx (sin x + x²) = cos x + 2x
    const xs = x.dataSync();
    const want = Array.from(xs, (v) => Math.cos(v) + 2 * v);
    Array.from(g2.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 5);
    });
  });

  it('names a tensor with history read from outside fn, and bad arguments', () => {
    const context = createContext();
    const x = requiresGrad(keep(randn([3], { context })));
    const outside = x.mul(2);
    expect(() => checkpoint((h: Tensor) => h.add(outside), x)).toThrow(
      /checkpoint: fn read a tensor \(shape \[3\], f32\) with gradient history from outside \(made by 'mul'\)/,
    );
    expect(() => checkpoint((h: Tensor) => h)).toThrow(/checkpoint: give at least one input/);
    const gone = randn([2], { context });
    gone.dispose();
    expect(() => checkpoint((h: Tensor) => h, gone)).toThrow(
      /checkpoint: input 0 \(shape \[2\], f32\) has been disposed/,
    );
  });
});
