import { type Context, createContext, memory, type Tensor, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { grad } from './functional.js';
import { requiresGrad } from './grad-mode.js';
import { toyMlp } from './toy-mlp.test-support.js';

const live = (ctx: Context) => {
  const m = memory(ctx);
  return { tensors: m.tensors, bytes: m.bytes };
};

/** The toy MLP, plus a metric computed with recording on (the leak this file guards against). */
function model(ctx: Context) {
  const m = toyMlp(ctx, 3);
  /** Mean absolute error. */
  const metric = () => m.forward().sub(m.y).abs().mean().itemSync();
  return { ...m, metric };
}

describe('graph lifetime: nodes are freed with the last tensor that can reach them', () => {
  it('1,000 forward passes with requires-grad parameters inside tidy and no backward leak nothing', () => {
    const ctx = createContext();
    const m = model(ctx);
    m.metric(); // warm-up: anything made once (e.g. cached constants) is made here
    const before = live(ctx);
    let last = 0;
    for (let i = 0; i < 1000; i++) last = tidy(() => m.metric(), ctx);
    expect(live(ctx)).toEqual(before);
    expect(Number.isFinite(last)).toBe(true);
  });

  it('1,000 training steps that also compute a metric without noGrad leave memory unchanged', () => {
    const ctx = createContext();
    const m = model(ctx);
    const step = () => {
      tidy(() => backward(m.loss()), ctx);
      m.sgd(0.1);
      return tidy(() => m.metric(), ctx);
    };
    const first = step();
    const before = live(ctx);
    let last = first;
    for (let i = 0; i < 1000; i++) last = step();
    expect(live(ctx)).toEqual(before);
    expect(last).toBeLessThan(first);
  });

  it('a graph kept alive by one surviving output still backpropagates correctly', () => {
    const ctx = createContext();
    const xs = [0.3, -0.8, 1.1, 0.05, -1.4, 0.6];
    const x = requiresGrad(tensor(xs, { dtype: 'f64', context: ctx }));
    const before = live(ctx);
    // Several branches off a shared trunk; only one loss survives.
    const { survivor, others } = tidy(() => {
      const a = x.exp();
      const b = a.mul(x); // x·eˣ
      const [p, q, r] = b.chunk(3);
      const other1 = p.tanh().sum();
      const other2 = r.square().sum();
      const siblings = b.cos();
      return {
        survivor: q.sin().sum(), // Σ sin(xᵢ e^xᵢ) over elements 2, 3
        others: [a, b, p, q, r, other1, other2, siblings],
      };
    }, ctx);
    for (const t of others) t.dispose();
    backward(survivor);
    const want = xs.map((v, i) =>
      i === 2 || i === 3 ? Math.cos(v * Math.exp(v)) * Math.exp(v) * (1 + v) : 0,
    );
    expect(Array.from(x.grad!.dataSync())).toEqual(want.map((w) => expect.closeTo(w, 12)));
    // Central differences agree with the hand-derived gradient.
    const f = (v: number[]) => v.slice(2, 4).reduce((s, u) => s + Math.sin(u * Math.exp(u)), 0);
    for (let i = 0; i < xs.length; i++) {
      const h = 1e-6;
      const plus = [...xs];
      plus[i] += h;
      const minus = [...xs];
      minus[i] -= h;
      expect(x.grad!.dataSync()[i]).toBeCloseTo((f(plus) - f(minus)) / (2 * h), 7);
    }
    survivor.dispose();
    x.grad!.dispose();
    x.grad = undefined;
    expect(live(ctx)).toEqual(before);
  });

  it('disposing every handle frees saved tensors kept by retainGraph', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor([0.5, 1.5], { dtype: 'f64', context: ctx }));
    const before = live(ctx);
    const y = tidy(() => x.exp().mul(x).sum(), ctx);
    backward(y, { retainGraph: true });
    backward(y);
    expect(x.grad!.dataSync()[0]).toBeCloseTo(2 * Math.exp(0.5) * 1.5, 12);
    const z = tidy(() => x.tanh().mul(x).sum(), ctx);
    backward(z, { retainGraph: true });
    z.dispose();
    y.dispose();
    x.grad!.dispose();
    x.grad = undefined;
    expect(live(ctx)).toEqual(before);
  });

  it('a createGraph .grad keeps the graph it needs after the loss is disposed', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor(0.7, { dtype: 'f64', context: ctx }));
    const before = live(ctx);
    const loss = tidy(() => x.sin().mul(x), ctx);
    backward(loss, { createGraph: true });
    loss.dispose();
    const g = x.grad!; // sin x + x cos x, with history
    x.grad = undefined;
    backward(g);
    expect(x.grad!.itemSync()).toBeCloseTo(2 * Math.cos(0.7) - 0.7 * Math.sin(0.7), 12);
    g.dispose();
    x.grad!.dispose();
    x.grad = undefined;
    expect(live(ctx)).toEqual(before);
  });

  it('grad(grad(f)) over a parameter outside f leaves nothing behind', () => {
    const ctx = createContext();
    const w = requiresGrad(tensor(1.3, { dtype: 'f64', context: ctx }));
    const x = tensor(0.4, { dtype: 'f64', context: ctx });
    const f = (t: Tensor) => t.mul(w).tanh().mul(t);
    grad(grad(f))(x).dispose();
    const before = live(ctx);
    for (let i = 0; i < 50; i++) tidy(() => grad(grad(f))(x), ctx).dispose();
    expect(live(ctx)).toEqual(before);
  });

  it('freeing a 20,000-node chain does not overflow the stack', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor([1, 2], { dtype: 'f64', context: ctx }));
    const before = live(ctx);
    tidy(() => {
      let h: Tensor = x;
      for (let i = 0; i < 20_000; i++) h = h.mul(1.0001).add(x);
      return undefined;
    }, ctx);
    let h: Tensor = x;
    for (let i = 0; i < 20_000; i++) {
      const next = tidy(() => h.mul(x).mul(0.5), ctx);
      if (h !== x) h.dispose();
      h = next;
    }
    h.dispose();
    expect(live(ctx)).toEqual(before);
  });

  it('backward through a node freed by dispose says the graph was freed and names the op', () => {
    const ctx = createContext();
    const x = requiresGrad(tensor(0.5, { dtype: 'f64', context: ctx }));
    const y = x.exp();
    const history = y.gradNode;
    y.dispose();
    // A handle that carries the history without counting toward it (set by hand) finds it freed.
    const stale = tensor(1, { dtype: 'f64', context: ctx });
    stale.gradNode = history;
    stale.requiresGrad = true;
    expect(() => backward(stale)).toThrow(
      /^backward: the graph through 'exp' \(inputs \[\] f64\) was freed.*disposed/,
    );
  });
});
