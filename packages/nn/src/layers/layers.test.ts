import { backward } from '@tessera/autograd';
import { createContext, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { GELU, ReLU, Softmax } from './activations.js';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { ModuleList, Sequential } from './containers.js';
import { Conv2d } from './conv2d.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { MLP, SwiGLU } from './feed-forward.js';
import { Linear } from './linear.js';
import { LayerNorm, RMSNorm } from './normalization.js';
import { AvgPool2d, MaxPool2d } from './pooling.js';

const close = (xs: ArrayLike<number>, ys: number[], digits = 5): void => {
  expect(xs.length).toBe(ys.length);
  for (let i = 0; i < ys.length; i++) expect(xs[i]).toBeCloseTo(ys[i], digits);
};

describe('layers', () => {
  it('Linear computes x·Wᵀ + b and starts within ±1/√in', () => {
    const context = createContext();
    const lin = new Linear(3, 2, { context });
    const w = Array.from(lin.weight.dataSync());
    const b = Array.from(lin.bias!.dataSync());
    expect([...w, ...b].every((v) => Math.abs(v) <= 1 / Math.sqrt(3))).toBe(true);
    const x = [1, -2, 0.5];
    const y = lin.forward(tensor([x], { context })).dataSync();
    close(
      y,
      [0, 1].map((o) => b[o] + x.reduce((s, xi, i) => s + xi * w[o * 3 + i], 0)),
    );
    expect(() => lin.forward(tensor([[1, 2]], { context }))).toThrow(
      /linear: input \[1, 2\] must end in the weight's in-features/,
    );
  });

  it('Embedding looks up rows and accumulates gradients of repeated indices', () => {
    const context = createContext();
    const emb = new Embedding(5, 2, { context });
    const w = Array.from(emb.weight.dataSync());
    const out = emb.forward(tensor([[4, 1, 4]], { dtype: 'i32', context }));
    expect(out.shape).toEqual([1, 3, 2]);
    close(out.dataSync(), [w[8], w[9], w[2], w[3], w[8], w[9]], 7);
    backward(out.sum());
    expect(Array.from(emb.weight.grad!.dataSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 2, 2]);
  });

  it('LayerNorm and RMSNorm normalize the last axis', () => {
    const context = createContext();
    const x = [1, 2, 3, 6];
    const mean = 3;
    const v = x.reduce((s, a) => s + (a - mean) ** 2, 0) / 4;
    close(
      new LayerNorm(4, { context }).forward(tensor([x], { context })).dataSync(),
      x.map((a) => (a - mean) / Math.sqrt(v + 1e-5)),
    );
    const rms = Math.sqrt(x.reduce((s, a) => s + a * a, 0) / 4 + 1e-6);
    close(
      new RMSNorm(4, { context }).forward(tensor([x], { context })).dataSync(),
      x.map((a) => a / rms),
    );
  });

  it('BatchNorm1d normalizes by batch statistics and updates the running ones; eval uses them', () => {
    const context = createContext();
    const bn = new BatchNorm1d(2, { context, momentum: 0.5 });
    const cols = [
      [1, 3, 8],
      [0, 0, 3],
    ];
    const x = tensor(
      [0, 1, 2].map((i) => [cols[0][i], cols[1][i]]),
      { context },
    );
    const y = bn.forward(x).dataSync();
    const stats = cols.map((c) => {
      const m = c.reduce((s, a) => s + a, 0) / 3;
      const biased = c.reduce((s, a) => s + (a - m) ** 2, 0) / 3;
      return { m, biased, unbiased: (biased * 3) / 2 };
    });
    close(
      y,
      [0, 1, 2].flatMap((i) =>
        [0, 1].map((c) => (cols[c][i] - stats[c].m) / Math.sqrt(stats[c].biased + 1e-5)),
      ),
    );
    close(
      bn.runningMean!.dataSync(),
      stats.map((s) => 0.5 * s.m),
    );
    close(
      bn.runningVar!.dataSync(),
      stats.map((s) => 0.5 + 0.5 * s.unbiased),
    );
    bn.eval();
    const z = bn.forward(tensor([[2, 2]], { context })).dataSync();
    close(
      z,
      [0, 1].map((c) => (2 - 0.5 * stats[c].m) / Math.sqrt(0.5 + 0.5 * stats[c].unbiased + 1e-5)),
    );
    expect(() => new BatchNorm2d(3, { context }).forward(x)).toThrow(
      /BatchNorm2d: expected input of rank 4 with 3 channels/,
    );
  });

  it("the layers' state-dict names are PyTorch's", () => {
    const context = createContext();
    const model = new Sequential(
      new Conv2d(1, 2, 3, { context }),
      new Linear(2, 2, { context }),
      new Embedding(3, 2, { context }),
      new LayerNorm(2, { context }),
      new RMSNorm(2, { context }),
    );
    // The keys of the same torch.nn.Sequential (Conv2d, Linear, Embedding, LayerNorm, RMSNorm).
    expect([...model.stateDict().keys()]).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '2.weight',
      '3.weight',
      '3.bias',
      '4.weight',
    ]);
  });

  it("BatchNorm's state dict uses PyTorch's names and counts training batches", () => {
    const context = createContext();
    const bn = new BatchNorm2d(3, { context });
    // torch.nn.BatchNorm2d(3).state_dict().keys(), in PyTorch's order.
    expect([...bn.stateDict().keys()]).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    const x = tensor(
      Float32Array.from({ length: 24 }, (_, i) => i % 7),
      [2, 3, 2, 2],
      { context },
    );
    bn.forward(x);
    bn.forward(x);
    expect(bn.numBatchesTracked!.shape).toEqual([]);
    expect(bn.numBatchesTracked!.dtype).toBe('i32');
    expect(bn.stateDict().get('num_batches_tracked')!.itemSync()).toBe(2);
    bn.eval();
    bn.forward(x);
    expect(bn.numBatchesTracked!.itemSync()).toBe(2);
    expect([...new BatchNorm1d(2, { context, trackRunningStats: false }).stateDict().keys()]).toEqual([
      'weight',
      'bias',
    ]);
  });

  it('BatchNorm loads state dicts under the earlier names and without num_batches_tracked', () => {
    const context = createContext();
    const make = () => new Sequential(new BatchNorm1d(2, { context }));
    const old = {
      '0.weight': tensor([2, 3], { context }),
      '0.bias': tensor([0.5, -0.5], { context }),
      '0.runningMean': tensor([1, 2], { context }),
      '0.runningVar': tensor([4, 9], { context }),
    };
    const m = make();
    m.loadStateDict(old);
    expect(Array.from(m.stateDict().get('0.running_mean')!.dataSync())).toEqual([1, 2]);
    expect(Array.from(m.stateDict().get('0.running_var')!.dataSync())).toEqual([4, 9]);
    expect(m.stateDict().get('0.num_batches_tracked')!.itemSync()).toBe(0);
    m.eval();
    close(m.forward(tensor([[3, 5]], { context })).dataSync(), [
      ((3 - 1) / Math.sqrt(4 + 1e-5)) * 2 + 0.5,
      ((5 - 2) / Math.sqrt(9 + 1e-5)) * 3 - 0.5,
    ]);
    // PyTorch's names load as they are, num_batches_tracked included.
    const n = make();
    n.loadStateDict({
      '0.weight': tensor([1, 1], { context }),
      '0.bias': tensor([0, 0], { context }),
      '0.running_mean': tensor([7, 8], { context }),
      '0.running_var': tensor([1, 1], { context }),
      '0.num_batches_tracked': tensor(5, { dtype: 'i32', context }),
    });
    expect(n.stateDict().get('0.num_batches_tracked')!.itemSync()).toBe(5);
    expect(Array.from(n.stateDict().get('0.running_mean')!.dataSync())).toEqual([7, 8]);
    // A running statistic missing under both names is still an error.
    expect(() => make().loadStateDict({ '0.weight': old['0.weight'], '0.bias': old['0.bias'] })).toThrow(
      /missing keys '0\.running_mean', '0\.running_var'/,
    );
  });

  it('Conv2d and pooling produce the expected shapes; a 1×1 conv is a per-pixel linear map', () => {
    const context = createContext();
    const conv = new Conv2d(1, 4, 3, { padding: 1, context });
    const x = tensor(new Float32Array(2 * 28 * 28).fill(1), [2, 1, 28, 28], { context });
    expect(conv.forward(x).shape).toEqual([2, 4, 28, 28]);
    expect(new MaxPool2d(2).forward(conv.forward(x)).shape).toEqual([2, 4, 14, 14]);
    expect(new AvgPool2d(2, { stride: 1 }).forward(x).shape).toEqual([2, 1, 27, 27]);
    const one = new Conv2d(2, 1, 1, { context });
    const [w0, w1] = Array.from(one.weight.dataSync());
    const [b] = Array.from(one.bias!.dataSync());
    close(one.forward(tensor([1, 2, 3, 4], [1, 2, 1, 2], { context })).dataSync(), [
      b + w0 + 3 * w1,
      b + 2 * w0 + 4 * w1,
    ]);
  });

  it('Sequential, ModuleList, MLP and SwiGLU wire their children', () => {
    const context = createContext();
    const seq = new Sequential(
      new Linear(4, 8, { context }),
      new GELU(),
      new Dropout(0.1),
      new Linear(8, 2, { context }),
      new Softmax(),
    );
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    seq.eval();
    const p = seq.forward(tensor([[1, 2, 3, 4]], { context }));
    expect(p.sum().itemSync()).toBeCloseTo(1, 6);
    const list = new ModuleList([new ReLU(), new Linear(2, 2, { context })]);
    expect(list.length).toBe(2);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias']);
    const mlp = new MLP([784, 256, 10], { context });
    expect(mlp.numParameters()).toBe(784 * 256 + 256 + 256 * 10 + 10);
    expect(mlp.forward(tensor(new Float32Array(3 * 784), [3, 784], { context })).shape).toEqual([3, 10]);
    const ff = new SwiGLU(6, undefined, { context });
    expect(ff.w1.outFeatures).toBe(16); // ⌈8·6/3⌉ = 16, already a multiple of 8
    const x = tensor([[0.5, -1, 2, 0, 1, -0.5]], { context });
    const manual = ff.w2.forward(ff.w1.forward(x).silu().mul(ff.w3.forward(x)));
    close(ff.forward(x).dataSync(), Array.from(manual.dataSync()));
  });
});
