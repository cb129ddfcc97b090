import { createContext, manualSeed, randint, randn } from '@tessera/core';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, MLP, ReLU, Sequential } from '@tessera/nn';
import { Decoder } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import { solveEntry } from './dynamic-dims.js';
import { exportOnnx } from './export.js';
import { decodeModel } from './proto/model-proto.js';
import { onnxDifference } from './testing/index.js';

const setup = () => {
  const context = createContext();
  manualSeed(11, context);
  return context;
};

describe('exportOnnx: dynamic dimensions', () => {
  it('a CNN exported with a named batch dimension runs at any batch size', async () => {
    const context = setup();
    const model = new Sequential(
      new Conv2d(1, 4, 3, { context }),
      new BatchNorm2d(4, { context }),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(4 * 5 * 5, 3, { context }),
    );
    const bytes = exportOnnx(model, { inputs: [{ name: 'x', shape: ['batch', 1, 12, 12] }] });
    const graph = decodeModel(bytes).graph;
    expect(graph.input[0].type.tensorType.shape.dim).toEqual([
      { dimParam: 'batch' },
      { dimValue: 1 },
      { dimValue: 12 },
      { dimValue: 12 },
    ]);
    expect(graph.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 3 }]);
    model.eval();
    for (const batch of [1, 4, 9]) {
      const x = randn([batch, 1, 12, 12], { context });
      expect(await onnxDifference(bytes, { x }, { output: model.forward(x) })).toBeLessThan(1e-4);
    }
  });

  it('an MLP with batch and a flattened product of dims, and a decoder with a dynamic batch', async () => {
    const context = setup();
    // [batch, rows, 6] → reshape [batch·rows, 6] inside the forward: the shape is rebuilt as a product.
    const mlp = new MLP([6, 8, 2], { context });
    const bytes = exportOnnx(mlp, {
      inputs: [{ name: 'x', shape: ['batch', 'rows', 6] }],
      forward: (x) => mlp.forward(x.reshape([x.shape[0] * x.shape[1], 6])),
    });
    expect(decodeModel(bytes).graph.output[0].type.tensorType.shape.dim[0]).toEqual({
      dimParam: 'batch*rows',
    });
    for (const [b, r] of [
      [1, 1],
      [3, 4],
    ]) {
      const x = randn([b, r, 6], { context });
      expect(await onnxDifference(bytes, { x }, { output: mlp.forward(x.reshape([b * r, 6])) })).toBeLessThan(
        1e-4,
      );
    }
    const decoder = new Decoder(
      { vocab: 10, dim: 16, layers: 1, heads: 4, kvHeads: 2, qkNorm: true, maxLength: 8 },
      { context },
    );
    const tokensBytes = exportOnnx(decoder, {
      inputs: [{ name: 'tokens', shape: ['batch', 6], dtype: 'i32' }],
    });
    for (const b of [1, 5]) {
      const tokens = randint(0, 10, [b, 6], { context });
      expect(await onnxDifference(tokensBytes, { tokens }, { output: decoder.forward(tokens) })).toBeLessThan(
        1e-4,
      );
    }
  });

  it('refuses a dimension the forward builds constants from, naming it', () => {
    const context = setup();
    const decoder = new Decoder(
      { vocab: 10, dim: 16, layers: 1, heads: 4, kvHeads: 2, maxLength: 32 },
      { context },
    );
    // Learned positions and rotary tables are built for the sequence length.
    expect(() =>
      exportOnnx(decoder, { inputs: [{ name: 'tokens', shape: [2, 'seq'], dtype: 'i32' }] }),
    ).toThrow(/changes with the dynamic dimension\(s\) 'seq'; give those dimensions fixed sizes/);
  });

  it('recognizes a traced value as c·(product of dims) from its two traced sizes', () => {
    const batch = { name: 'batch', input: 'x', axis: 0, sizes: [2, 3] as const };
    const rows = { name: 'rows', input: 'x', axis: 1, sizes: [5, 7] as const };
    expect(solveEntry(8, 12, [batch, rows])).toEqual({ c: 4, dims: [batch] });
    expect(solveEntry(10 * 6, 21 * 6, [batch, rows])).toEqual({ c: 6, dims: [batch, rows] });
    expect(solveEntry(5, 8, [batch, rows])).toBeUndefined();
  });
});
