import {
  type AxisAttrs,
  createContext,
  manualSeed,
  memory,
  randn,
  scatterAdd,
  type Tensor,
  tensor,
} from '@tessera/core';
import { BatchNorm1d, Flatten, Linear, MLP, Module, ReLU, Sequential } from '@tessera/nn';
import { describe, expect, it } from 'vitest';
import type { Converter } from './converters/index.js';
import { exportOnnx, traceOnnx } from './export.js';
import { decodeModel } from './proto/model-proto.js';
import { onnxDifference } from './testing/index.js';

const setup = () => {
  const context = createContext();
  manualSeed(3, context);
  return context;
};

describe('exportOnnx: the model file', () => {
  it('names the initializers after the state dict and holds the parameters’ values', () => {
    const context = setup();
    const model = new Sequential(
      new Flatten(),
      new MLP([12, 6, 4], { context }),
      new BatchNorm1d(4, { context }),
    );
    const decoded = decodeModel(exportOnnx(model, { inputs: [{ name: 'image', shape: [2, 3, 4] }] }));
    const state = model.stateDict();
    const initializers = new Map(decoded.graph.initializer.map((t) => [t.name, t]));
    // Every parameter and running statistic the eval forward reads; the batch counter it does not.
    expect([...initializers.keys()].filter((n) => state.has(n)).sort()).toEqual(
      [...state.keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort(),
    );
    for (const [name, t] of state) {
      const init = initializers.get(name);
      if (init === undefined) continue;
      expect(init.dims).toEqual(t.shape);
      expect(init.dataType).toBe(1);
      const raw = init.rawData;
      expect(
        Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))),
      ).toEqual(Array.from(t.dataSync()));
    }
    expect(decoded.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(decoded.irVersion).toBe(8);
    expect(decoded.producerName).toBe('@tessera/onnx');
    expect(decoded.graph.name).toBe('Sequential');
    expect(decoded.graph.input).toEqual([
      {
        name: 'image',
        type: { tensorType: { elemType: 1, shape: { dim: [2, 3, 4].map((d) => ({ dimValue: d })) } } },
      },
    ]);
    expect(decoded.graph.output.map((o) => o.name)).toEqual(['output']);
    expect(decoded.graph.output[0].type.tensorType.shape.dim).toEqual([{ dimValue: 2 }, { dimValue: 4 }]);
  });

  it('keeps only the nodes the outputs read, and writes the requested opset', () => {
    const context = setup();
    const model = new Linear(3, 2, { context });
    const graph = traceOnnx(model, {
      inputs: [{ name: 'x', shape: [1, 3] }],
      opset: 21,
      forward: (x) => {
        x.exp().sum(); // computed, never returned
        return model.forward(x);
      },
    });
    expect(graph.opsetImport[0].version).toBe(21);
    expect(graph.irVersion).toBe(10);
    const ops = graph.graph.node.map((n) => n.opType);
    expect(ops).not.toContain('Exp');
    expect(ops).not.toContain('ReduceSum');
    expect(ops).toContain('MatMul');
  });

  it('gives the module back in the mode it had, its running statistics untouched', () => {
    const context = setup();
    const bn = new BatchNorm1d(3, { context });
    const model = new Sequential(new Linear(2, 3, { context }), bn, new ReLU());
    model.train();
    const mean = Array.from(bn.runningMean!.dataSync());
    exportOnnx(model, { inputs: [{ name: 'x', shape: [4, 2] }] });
    expect(model.training).toBe(true);
    expect(bn.training).toBe(true);
    expect(Array.from(bn.runningMean!.dataSync())).toEqual(mean);
    expect(bn.numBatchesTracked!.itemSync()).toBe(0);
  });

  it('leaves no tensors behind, also with a dynamic dimension traced twice', () => {
    const context = setup();
    const model = new Sequential(new Linear(4, 6, { context }), new BatchNorm1d(6, { context }), new ReLU());
    const before = memory(context).tensors;
    exportOnnx(model, { inputs: [{ name: 'x', shape: ['batch', 4] }] });
    expect(() => exportOnnx(model, { inputs: [{ name: 'x', shape: [2, 5] }] })).toThrow(/linear/);
    expect(memory(context).tensors).toBe(before);
  });

  it('a wrong converter shows up as a difference (the comparison can fail)', async () => {
    const context = setup();
    const model = new MLP([5, 8, 3], { context });
    const x = randn([4, 5], { context });
    const noRelu: Converter = ({ g, inputs }) => [g.op('Identity', [inputs[0]])];
    const bytes = exportOnnx(model, {
      inputs: [{ name: 'x', shape: [4, 5] }],
      converters: new Map([['relu', noRelu]]),
    });
    expect(await onnxDifference(bytes, { x }, { output: model.forward(x) })).toBeGreaterThan(1e-3);
  });
});

/** out = x with src added at index along axis 0: an op without a built-in converter. */
class ScatterModule extends Module {
  constructor(
    readonly index: Tensor,
    readonly src: Tensor,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return scatterAdd(x, 0, this.index, this.src).relu();
  }
}

describe('exportOnnx: errors and extension', () => {
  it('rejects bad options before tracing, naming what to change', () => {
    const context = setup();
    const model = new Linear(2, 2, { context });
    const x = [{ name: 'x', shape: [1, 2] }];
    expect(() => exportOnnx(model, { inputs: x, opset: 13 })).toThrow(
      /exportOnnx: opset must be one of 17, 18/,
    );
    expect(() => exportOnnx(model, { inputs: [] })).toThrow(/inputs must list at least one/);
    expect(() => exportOnnx(model, { inputs: x, opsetVersion: 18 } as never)).toThrow(
      /unknown option\(s\) 'opsetVersion'; the options are inputs, outputNames, opset/,
    );
    expect(() => exportOnnx(model, { inputs: x, outputNames: ['x'] })).toThrow(/'x' is used twice/);
    expect(() => exportOnnx(model, { inputs: [{ name: 'x', shape: [0, 2] }] })).toThrow(
      /input 'x' needs a shape of positive integers and dimension names, got \[0, 2\]/,
    );
    expect(() => exportOnnx(model, { inputs: x, outputNames: ['a', 'b'] })).toThrow(
      /returned 1 tensors but outputNames lists 2/,
    );
    const half = new Linear(2, 2, { context, dtype: 'f16' });
    expect(() => exportOnnx(half, { inputs: x })).toThrow(/'weight' is f16; export an f32 copy/);
  });

  it('writes integral float attributes as FLOAT when asked ({ float })', async () => {
    const context = setup();
    const model = new MLP([3, 4, 2], { context });
    const x = randn([2, 3], { context });
    // LeakyRelu with slope 0 is ReLU; its alpha must be a FLOAT attribute, which 0 alone would not be.
    const leaky: Converter = ({ g, inputs }) => [g.op('LeakyRelu', [inputs[0]], { alpha: { float: 0 } })];
    const bytes = exportOnnx(model, {
      inputs: [{ name: 'x', shape: [2, 3] }],
      converters: new Map([['relu', leaky]]),
    });
    const [alpha] = decodeModel(bytes).graph.node.find((n) => n.opType === 'LeakyRelu')!.attribute;
    expect(alpha).toMatchObject({ name: 'alpha', type: 1, f: 0 });
    expect(alpha.i).toBeUndefined();
    expect(await onnxDifference(bytes, { x }, { output: model.forward(x) })).toBeLessThan(1e-6);
  });

  it('names an op without a converter, and takes one for it in options.converters', async () => {
    const context = setup();
    const index = tensor([0, 2, 0, 1, 1, 2], [2, 3], { dtype: 'i32', context });
    const src = tensor([1, -2, 3, 4, 5, -6], [2, 3], { context });
    const model = new ScatterModule(index, src);
    const inputs = [{ name: 'x', shape: [3, 3] }];
    expect(() => exportOnnx(model, { inputs, context })).toThrow(
      /the forward uses op 'scatterAdd', which has no ONNX converter/,
    );
    const scatter: Converter<AxisAttrs> = ({ g, inputs: [x, i, s], attrs }) => [
      g.op('ScatterElements', [x, i, s], { axis: attrs.axis, reduction: 'add' }),
    ];
    const bytes = exportOnnx(model, { inputs, context, converters: new Map([['scatterAdd', scatter]]) });
    const x = randn([3, 3], { context });
    expect(await onnxDifference(bytes, { x }, { output: model.forward(x) })).toBeLessThan(1e-6);
  });
});
