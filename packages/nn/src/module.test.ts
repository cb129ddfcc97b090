import { backward } from '@tessera/autograd';
import { createContext, memory, type Tensor, tensor, zeros } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { ReLU } from './layers/activations.js';
import { BatchNorm1d } from './layers/batch-norm.js';
import { Sequential } from './layers/containers.js';
import { Linear } from './layers/linear.js';
import { Module } from './module.js';

class TwoLayer extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly scale: Tensor;
  constructor(context = createContext()) {
    super();
    this.fc1 = this.register('fc1', new Linear(4, 3, { context }));
    this.fc2 = this.register('fc2', new Linear(3, 2, { bias: false, context }));
    this.scale = this.registerParameter('scale', tensor([2], { context }));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu()).mul(this.scale);
  }
}

describe('Module', () => {
  it('names parameters by path, own first, and counts them', () => {
    const m = new TwoLayer();
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['scale', [1]],
      ['fc1.weight', [3, 4]],
      ['fc1.bias', [3]],
      ['fc2.weight', [2, 3]],
    ]);
    expect(m.numParameters()).toBe(1 + 12 + 3 + 6);
    expect(m.parameters().every((p) => p.requiresGrad && p.kept)).toBe(true);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'fc2']);
  });

  it('train() and eval() reach every descendant', () => {
    const m = new Sequential(new Linear(2, 2), new ReLU());
    m.eval();
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.train();
    expect(m.layers.every((c) => c.training)).toBe(true);
  });

  it('stateDict round-trips through loadStateDict into a fresh module', () => {
    const ctx = createContext();
    const a = new TwoLayer(ctx);
    const b = new TwoLayer(ctx);
    const x = tensor([[1, -2, 3, 0.5]], { context: ctx });
    expect(Array.from(a.forward(x).dataSync())).not.toEqual(Array.from(b.forward(x).dataSync()));
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(a.forward(x).dataSync()));
    // b's parameters are still its own handles
    expect(b.parameters().some((p) => a.parameters().includes(p))).toBe(false);
  });

  it('loadStateDict names missing, unexpected and mis-shaped keys before writing anything', () => {
    const ctx = createContext();
    const m = new TwoLayer(ctx);
    const before = Array.from(m.fc1.weight.dataSync());
    const dict = new Map(m.stateDict());
    dict.delete('fc2.weight');
    dict.set('fc3.bias', zeros([2], { context: ctx }));
    dict.set('fc1.weight', zeros([4, 3], { context: ctx }));
    expect(() => m.loadStateDict(dict)).toThrow(
      "loadStateDict: TwoLayer: missing keys 'fc2.weight'; unexpected keys 'fc3.bias'; shape mismatch for 'fc1.weight': expected [3, 4], got [4, 3]",
    );
    expect(Array.from(m.fc1.weight.dataSync())).toEqual(before);
    dict.set('fc1.weight', zeros([3, 4], { context: ctx }));
    m.loadStateDict(dict, { strict: false });
    expect(Array.from(m.fc1.weight.dataSync())).toEqual(new Array(12).fill(0));
  });

  it('to(dtype) casts parameters and buffers, rebinding the layer fields', () => {
    const ctx = createContext();
    const m = new Sequential(new Linear(2, 3, { context: ctx }), new BatchNorm1d(3, { context: ctx }));
    const lin = m.layers[0] as Linear;
    m.to('f64');
    expect(m.stateDict().size).toBe(7);
    // Floating state is cast; BatchNorm's batch counter stays an integer, as in PyTorch's .double().
    expect(
      [...m.stateDict()].map(([k, t]) => k.endsWith('num_batches_tracked') || t.dtype === 'f64'),
    ).toEqual(new Array(7).fill(true));
    expect(m.stateDict().get('1.num_batches_tracked')!.dtype).toBe('i32');
    expect(lin.weight.dtype).toBe('f64');
    expect(lin.weight).toBe(m.parameters()[0]);
    expect(
      m.forward(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'f64', context: ctx },
        ),
      ).dtype,
    ).toBe('f64');
    expect(() => m.to('i32')).toThrow(/Module.to: can only cast parameters to a floating dtype/);
  });

  it('to() leaves leaf parameters that collect their own gradients', () => {
    const ctx = createContext();
    const m = new Linear(2, 1, { context: ctx }).to('f64');
    backward(m.forward(tensor([[1, 2]], { dtype: 'f64', context: ctx })).sum());
    expect(Array.from(m.weight.grad?.dataSync() ?? [])).toEqual([1, 2]);
    expect(Array.from(m.bias?.grad?.dataSync() ?? [])).toEqual([1]);
  });

  it('dispose() frees every parameter and buffer', () => {
    const ctx = createContext();
    const before = memory(ctx).tensors;
    const m = new Sequential(new Linear(2, 3, { context: ctx }), new BatchNorm1d(3, { context: ctx }));
    expect(memory(ctx).tensors).toBe(before + 7);
    m.dispose();
    expect(memory(ctx).tensors).toBe(before);
  });

  it('rejects duplicate and dotted names', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.register('a', new ReLU());
        this.register(name, new ReLU());
      }
      forward(): void {}
    }
    expect(() => new Bad('a')).toThrow("register: 'a' is already registered on Bad");
    expect(() => new Bad('b.c')).toThrow("register: name 'b.c' must be non-empty and contain no '.'");
  });
});
