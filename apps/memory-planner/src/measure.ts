import { cnn, mlp } from '@tessera/app-mnist/models';
import { AdditionTask } from '@tessera/app-tiny-gpt/addition-task';
import { parseCli } from '@tessera/app-tiny-gpt/cli';
import { buildModel } from '@tessera/app-tiny-gpt/run';
import { backward } from '@tessera/autograd';
import {
  bytesPerElement,
  type Context,
  memory,
  randint,
  randn,
  resetPeakMemory,
  type Tensor,
  tidy,
} from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import {
  decoderActivations,
  type LayerSpec,
  modelStateBytes,
  planTraining,
  sequentialActivations,
} from '@tessera/memory';
import { crossEntropy, type Module } from '@tessera/nn';
import { Adam } from '@tessera/optim';

export type MeasuredModel = 'mlp' | 'cnn' | 'tiny-gpt';

/** Predicted and measured bytes of one training setup. */
export interface Measurement {
  model: MeasuredModel;
  device: string;
  parameters: number;
  /** Weights + gradients + Adam state: predicted by modelStateBytes, measured after two steps. */
  statePredicted: number;
  stateMeasured: number;
  /** Peak above the model state during a third forward + backward. */
  activationsMeasured: number;
  /** The planner's count of what Tessera's eager step holds (sequentialActivations, decoderActivations). */
  activationsPredicted: number;
  /** Korthikanti et al.'s accounting of saved tensors (f32, no dropout, flash attention) for the decoder. */
  activationsSaved: number | undefined;
}

/** apps/mnist's MLP and CNN as the planner describes them (see `mlp` and `cnn` there). */
export const LAYERS: Record<'mlp' | 'cnn', LayerSpec[]> = {
  mlp: [{ kind: 'flatten' }, { kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }],
  cnn: [
    { kind: 'conv2d', out: 8, kernel: 3 },
    { kind: 'relu' },
    { kind: 'maxPool2d', kernel: 2 },
    { kind: 'conv2d', out: 16, kernel: 3 },
    { kind: 'relu' },
    { kind: 'maxPool2d', kernel: 2 },
    { kind: 'flatten' },
    { kind: 'linear', out: 64 },
    { kind: 'relu' },
    { kind: 'dropout' },
    { kind: 'linear', out: 10 },
  ],
};

const BATCH = 64;

function setup(model: MeasuredModel, context: Context, device: string) {
  if (model === 'tiny-gpt') {
    const o = parseCli([]);
    const task = AdditionTask.create(o.digits, o.test, new Rng(1));
    const net = buildModel(o, task, context).to(device);
    const len = task.sequenceLength - 1;
    const x = randint(0, net.config.vocab, [BATCH, len], { context, device });
    const y = randint(0, net.config.vocab, [BATCH * len], { context, device });
    const loss = () => crossEntropy(net.forward(x).reshape([BATCH * len, net.config.vocab]), y);
    const cfg = net.config;
    const ffn = net.stateDict().get('block0.ffn.w1.weight')!.shape[0];
    const decoder = {
      layers: cfg.layers,
      hidden: cfg.dim,
      heads: cfg.heads,
      kvHeads: cfg.kvHeads,
      ffn,
      vocab: cfg.vocab,
    };
    const { activations: saved } = planTraining(decoder, {
      optimizer: 'adam',
      precision: 'f32',
      seq: len,
      microBatch: BATCH,
      flash: true,
    });
    const predicted = decoderActivations(
      { ...decoder, qkNorm: cfg.qkNorm },
      { seq: len, batch: BATCH, learnedPositions: (cfg.maxLength ?? 0) > 0 },
    ).total;
    return { net: net as Module, loss, inputs: [x, y], predicted, saved };
  }
  const net = (model === 'mlp' ? mlp(context) : cnn(context)).to(device);
  const x = randn([BATCH, 1, 28, 28], { context, device });
  const y = randint(0, 10, [BATCH], { context, device });
  return {
    net: net as Module,
    loss: () => crossEntropy(net.forward(x) as Tensor, y),
    inputs: [x, y],
    predicted: sequentialActivations(LAYERS[model], x.shape).total,
    saved: undefined,
  };
}

/**
 * Trains `model` two Adam steps on `device` and compares what the planner predicts with what the
 * context's memory counters measure (bytes on that device).
 */
export async function measure(model: MeasuredModel, context: Context, device: string): Promise<Measurement> {
  const bytes = () => memory(context).devices[device]?.bytes ?? 0;
  const peak = () => memory(context).devices[device]?.peakBytes ?? 0;
  const before = bytes();
  const s = setup(model, context, device);
  const bytesOf = (ts: readonly Tensor[]) => ts.reduce((n, t) => n + t.size * bytesPerElement(t.dtype), 0);
  const inputsBytes = bytesOf(s.inputs);
  const opt = new Adam(s.net.parameters(), { lr: 1e-3 });
  const step = () => {
    opt.zeroGrad();
    tidy(() => backward(s.loss()), context);
    opt.step();
  };
  step();
  step();
  // Readback settles pooled GPU work before counting.
  for (const p of s.net.parameters()) await p.data();
  const stateMeasured = bytes() - before - inputsBytes;
  opt.zeroGrad();
  const held = bytes();
  resetPeakMemory(context);
  tidy(() => backward(s.loss()), context);
  for (const p of s.net.parameters()) await p.grad!.data();
  // Gradients are model state, counted above; what else the step held at its peak is activations.
  const gradients = bytesOf(s.net.parameters());
  const activationsMeasured = peak() - held - gradients;
  const result: Measurement = {
    model,
    device,
    parameters: s.net.parameters().reduce((n, p) => n + p.size, 0),
    statePredicted: modelStateBytes(s.net, 'adam').total,
    stateMeasured,
    activationsMeasured,
    activationsPredicted: s.predicted,
    activationsSaved: s.saved,
  };
  opt.dispose();
  s.net.dispose();
  for (const t of s.inputs) t.dispose();
  return result;
}
