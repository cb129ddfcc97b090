/**
 * The training steps that bench:profile and bench:handoff time: one tiny-gpt step (the demo's
 * default model), one MLP 784-256-10 Adam step (mlp.ts's) and one early-fusion-sized decoder step.
 */
import { backward, requiresGrad } from '@tessera/autograd';
import { type Context, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { crossEntropy } from '@tessera/nn';
import { Adam, AdamW } from '@tessera/optim';
import { Decoder, zLoss } from '@tessera/transformer';
import { mlpStep } from './mlp.js';
import { randomData } from './timing.js';

export interface Workload {
  name: string;
  step: () => void;
  dispose: () => void;
}

/**
 * One training step of a `Decoder` on fixed random tokens: `ignored(i)` marks the positions whose
 * target is −100; `loss(logits, targets)` gives the scalar to differentiate.
 */
function decoderWorkload(
  ctx: Context,
  name: string,
  shape: { batch: number; len: number; vocab: number },
  makeModel: () => Decoder,
  makeOptimizer: (model: Decoder) => AdamW,
  ignored: (position: number) => boolean,
  loss: (logits: Tensor, targets: Tensor) => Tensor,
): Workload {
  const { batch, len, vocab } = shape;
  manualSeed(1, ctx);
  const model = makeModel();
  const opt = makeOptimizer(model);
  const rng = new Rng(2);
  const inputs = Array.from({ length: batch * len }, () => rng.int(vocab));
  const targets = Array.from({ length: batch * len }, (_, i) => (ignored(i % len) ? -100 : rng.int(vocab)));
  return {
    name,
    step: () => {
      tidy(() => {
        const x = tensor(inputs, [batch, len], { dtype: 'i32', context: ctx });
        const y = tensor(targets, [batch * len], { dtype: 'i32', context: ctx });
        const l = loss(model.forward(x).reshape([batch * len, vocab]), y);
        backward(l);
        l.itemSync();
      }, ctx);
      opt.step();
      opt.zeroGrad();
    },
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
  };
}

export function tinyGpt(ctx: Context): Workload {
  const shape = { batch: 64, len: 8, vocab: 12 };
  return decoderWorkload(
    ctx,
    'tiny-gpt (dim 48, 2 layers, batch 64 × 8 tokens, AdamW)',
    shape,
    () =>
      new Decoder(
        {
          vocab: shape.vocab,
          dim: 48,
          layers: 2,
          heads: 4,
          kvHeads: 2,
          qkNorm: true,
          maxLength: shape.len + 1,
        },
        { context: ctx },
      ),
    (model) => new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01, betas: [0.9, 0.98] }),
    (t) => t < 5,
    (logits, y) => crossEntropy(logits, y, { ignoreIndex: -100 }),
  );
}

/** An early-fusion-sized decoder step (apps/early-fusion's: QK-norm, norms after each sublayer, weighted loss, z-loss). */
export function fusion(ctx: Context): Workload {
  const shape = { batch: 32, len: 55, vocab: 84 };
  return decoderWorkload(
    ctx,
    'early-fusion decoder (dim 64, 2 layers, QK-norm, post-norm, batch 32 × 55 tokens, AdamW, z-loss)',
    shape,
    () =>
      new Decoder(
        { vocab: shape.vocab, dim: 64, layers: 2, heads: 4, kvHeads: 4, qkNorm: true, normPlacement: 'post' },
        { context: ctx },
      ),
    (model) => {
      const params = model.parameters();
      return new AdamW(
        [
          { params: params.filter((p) => p.rank > 1) },
          { params: params.filter((p) => p.rank <= 1), weightDecay: 0 },
        ],
        { lr: 1e-3, weightDecay: 0.01 },
      );
    },
    (t) => t > 52,
    (logits, y) => {
      // Caption-weighted as in the app: weight 1 on every target here, 0 on the ignored ones.
      const w = y.ne(-100).cast('f32');
      const perToken = crossEntropy(logits, y, { ignoreIndex: -100, reduction: 'none' });
      return perToken.mul(w).sum().div(w.sum()).add(zLoss(logits, 1e-4));
    },
  );
}

export function mlp(ctx: Context): Workload {
  const [batch, sizes] = [128, [784, 256, 10]];
  const x = tensor(randomData(batch * sizes[0], 13), [batch, sizes[0]], { context: ctx });
  const yd = new Float32Array(batch * sizes[2]);
  for (let i = 0; i < batch; i++) yd[i * sizes[2] + (i % sizes[2])] = 1;
  const y = tensor(yd, [batch, sizes[2]], { context: ctx });
  const shapes = [[sizes[0], sizes[1]], [sizes[1]], [sizes[1], sizes[2]], [sizes[2]]];
  const params = shapes.map((s, i) =>
    requiresGrad(
      tensor(
        randomData(
          s.reduce((a, b) => a * b, 1),
          20 + i,
        ),
        s,
        { context: ctx },
      ),
    ),
  );
  const opt = new Adam(params, { lr: 1e-3 });
  return {
    name: 'MLP 784-256-10 (batch 128, Adam)',
    step: () => mlpStep(params, x, y, opt),
    dispose: () => {
      opt.dispose();
      for (const q of [x, y, ...params]) q.dispose();
    },
  };
}
