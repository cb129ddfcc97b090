import { MultiHeadAttention } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import {
  type Context,
  createContext,
  manualSeed,
  randint,
  randn,
  type Tensor,
  tensor,
  tidy,
} from '@tessera/core';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  GELU,
  LayerNorm,
  Linear,
  MaxPool2d,
  MLP,
  type Module,
  ReLU,
  RMSNorm,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  SwiGLU,
  Tanh,
} from '@tessera/nn';
import { Decoder } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export.js';
import { onnxDifference } from './testing/index.js';

/** Tolerance of the acceptance criterion: onnxruntime's outputs equal Tessera's within 1e-4. */
const TOLERANCE = 1e-4;

function setup(seed = 1): Context {
  const context = createContext();
  manualSeed(seed, context);
  return context;
}

/** Moves every parameter off its initial value (ones, zeros) so that each one matters. */
function perturb(module: Module, context: Context): void {
  noGrad(
    () =>
      tidy(() => {
        for (const p of module.parameters()) p.assign(p.add(randn(p.shape, { context }).mul(0.3)));
      }, context),
    context,
  );
}

/** Exports `module` for inputs shaped like `x`, runs it in onnxruntime and returns the max |difference|. */
async function difference(module: Module, x: Tensor, opset?: number): Promise<number> {
  const bytes = exportOnnx(module, {
    inputs: [{ name: 'x', shape: x.shape, dtype: x.dtype as 'f32' }],
    opset,
  });
  module.eval();
  const expected = (module.forward as (x: Tensor) => Tensor)(x);
  return onnxDifference(bytes, { x }, { output: expected });
}

describe('exportOnnx: layers run in onnxruntime as in Tessera', () => {
  it('an MLP like the mnist app’s: Flatten, Linear, ReLU', async () => {
    const context = setup();
    const model = new Sequential(new Flatten(), new MLP([64, 32, 10], { context }));
    const diff = await difference(model, randn([5, 1, 8, 8], { context }));
    console.log(`MLP max |onnxruntime − tessera| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);
  });

  it('a CNN: Conv2d (padding, stride, dilation, groups), BatchNorm2d, ReLU, max and average pooling, Dropout', async () => {
    const context = setup(2);
    const model = new Sequential(
      new Conv2d(2, 6, 3, { context, padding: 1 }),
      new BatchNorm2d(6, { context }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 8, 3, { context, groups: 2, dilation: 2, stride: [1, 2], padding: [2, 1] }),
      new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
      new MaxPool2d(2, { stride: 1, padding: 1, dilation: 2 }),
      new Flatten(),
      new Dropout(0.3),
      new Linear(8 * 6 * 2, 10, { context }),
    );
    perturb(model, context);
    // Running statistics away from 0 and 1: a few training batches.
    for (let i = 0; i < 3; i++)
      tidy(() => model.forward(randn([4, 2, 12, 12], { context }).mul(2).add(1)), context);
    const diff = await difference(model, randn([3, 2, 12, 12], { context }));
    console.log(`CNN max |onnxruntime − tessera| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);
    expect(model.training).toBe(false);
  });

  it('activations and norms: GELU (exact and tanh), SiLU, Tanh, Sigmoid, LayerNorm, RMSNorm, BatchNorm1d, Softmax', async () => {
    const context = setup(3);
    const model = new Sequential(
      new Linear(6, 8, { context }),
      new GELU(),
      new LayerNorm(8, { context }),
      new Linear(8, 8, { context }),
      new GELU('tanh'),
      new BatchNorm1d(8, { context }),
      new SiLU(),
      new RMSNorm(8, { context }),
      new Tanh(),
      new Linear(8, 5, { context }),
      new Sigmoid(),
      new Softmax(),
    );
    perturb(model, context);
    tidy(() => model.forward(randn([6, 6], { context })), context);
    for (const opset of [17, 18, 21]) {
      expect(await difference(model, randn([4, 6], { context }), opset)).toBeLessThan(TOLERANCE);
    }
  });

  it('Embedding and SwiGLU over i32 token ids', async () => {
    const context = setup(4);
    const model = new Sequential(new Embedding(11, 8, { context }), new SwiGLU(8, 16, { context }));
    const ids = randint(0, 11, [2, 5], { context });
    expect(await difference(model, ids)).toBeLessThan(TOLERANCE);
  });

  it('MultiHeadAttention: grouped-query, causal, rotary, QK-norm and biases; a mask given with the call', async () => {
    const context = setup(5);
    const attn = new MultiHeadAttention(16, {
      context,
      heads: 4,
      kvHeads: 2,
      causal: true,
      rotary: true,
      qkNorm: true,
      bias: true,
    });
    perturb(attn, context);
    expect(await difference(attn, randn([2, 6, 16], { context }))).toBeLessThan(TOLERANCE);
    // Multi-query attention, no causal mask, a bool mask hiding a different key per query row.
    const mqa = new MultiHeadAttention(12, { context, heads: 3, kvHeads: 1, rotary: { axes: 2 } });
    const keep = tensor(
      Array.from({ length: 5 * 5 }, (_, n) => (n % 5 !== (Math.floor(n / 5) + 2) % 5 ? 1 : 0)),
      [5, 5],
      { dtype: 'bool', context },
    );
    const x = randn([2, 5, 12], { context });
    const bytes = exportOnnx(mqa, {
      inputs: [{ name: 'x', shape: [2, 5, 12] }],
      forward: (t) => mqa.forward(t, { mask: keep }),
    });
    expect(await onnxDifference(bytes, { x }, { output: mqa.forward(x, { mask: keep }) })).toBeLessThan(
      TOLERANCE,
    );
  });

  it('the transformer Decoder: pre- and post-norm, RMS and layer norm, learned and rotary positions, tied head', async () => {
    const context = setup(6);
    const configs = [
      { vocab: 13, dim: 16, layers: 2, heads: 4, kvHeads: 2, qkNorm: true, maxLength: 10 },
      {
        vocab: 9,
        dim: 16,
        layers: 1,
        heads: 2,
        kvHeads: 2,
        norm: 'layer',
        normPlacement: 'post',
        tied: true,
        dropout: 0.1,
      },
    ] as const;
    for (const config of configs) {
      const model = new Decoder(config, { context });
      perturb(model, context);
      const diff = await difference(model, randint(0, config.vocab, [3, 7], { context }));
      console.log(`Decoder max |onnxruntime − tessera| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(TOLERANCE);
    }
  });
});
