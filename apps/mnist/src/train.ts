import { backward, noGrad } from '@tessera/autograd';
import { type Context, manualSeed, memory, type Tensor, tidy } from '@tessera/core';
import { DataLoader, type MnistSplit, mnistDataset } from '@tessera/data';
import { crossEntropy, type Sequential } from '@tessera/nn';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { readMany } from '@tessera/webgpu';
import { randomAffine } from './augment.js';
import type { CliOptions, ModelName } from './cli.js';
import type { Recipe } from './models.js';

export interface Misclassified {
  /** Index in the test split. */
  index: number;
  label: number;
  predicted: number;
}

export interface TrainResult {
  name: ModelName;
  /** The trained model, on `device`; the caller disposes it. */
  model: Sequential;
  device: CliOptions['device'];
  /** Training loss of every step. */
  stepLosses: number[];
  testAccuracy: number;
  misclassified: Misclassified[];
  /** Wall-clock seconds of training (not evaluation). */
  seconds: number;
  samplesPerSecond: number;
  numParameters: number;
  /** Live tensors after the first and the last epoch: equal when steps don't leak. */
  tensorsAfterEpoch: number[];
}

export interface TrainOptions {
  name: ModelName;
  recipe: Recipe;
  epochs: number;
  seed: number;
  context: Context;
  /** Where to train: 'webgpu' needs `initWebGPU({ context })` first. The splits stay on the CPU. */
  device: CliOptions['device'];
  train: MnistSplit;
  test: MnistSplit;
  /** Called every few steps with (step, totalSteps, recent loss, samples/s). */
  onProgress?: (step: number, total: number, loss: number, samplesPerSecond: number) => void;
}

/**
 * Step losses, read back. The CPU reads synchronously; a WebGPU read waits for the queue, so losses
 * there are collected and read with one map for several steps.
 */
async function readLosses(losses: Tensor[]): Promise<number[]> {
  if (losses.every((l) => l.device === 'cpu')) return losses.map((l) => l.itemSync());
  return (await readMany(losses)).map((d) => Number(d[0]));
}

/** Trains one model with AdamW, a cosine schedule with warmup and random affine distortions; then tests it. */
export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const { context, recipe, device } = o;
  manualSeed(o.seed, context);
  // Built (and so initialized) on the CPU, then moved: the same seed gives the same start on every device.
  const model = recipe.build(context);
  // The optimizer keeps the parameter handles, so they move before it is created.
  if (device !== 'cpu') model.to(device);
  // No weight decay on biases (rank-1 parameters), as usual for AdamW.
  const params = model.parameters();
  const optimizer = new AdamW(
    [
      { params: params.filter((p) => p.rank > 1) },
      { params: params.filter((p) => p.rank <= 1), weightDecay: 0 },
    ],
    { lr: recipe.lr, weightDecay: recipe.weightDecay },
  );
  const loader = new DataLoader(mnistDataset(o.train), {
    batchSize: recipe.batchSize,
    shuffle: true,
    seed: o.seed,
    dropLast: true,
  });
  const total = o.epochs * loader.length;
  const schedule = new CosineWithWarmup(optimizer, {
    warmupSteps: Math.max(1, Math.round(recipe.warmupFraction * total)),
    totalSteps: total,
  });
  const stepLosses: number[] = [];
  // Loss tensors not read yet (only ever more than one on an asynchronously read device).
  const unread: Tensor[] = [];
  const readUnread = async (): Promise<void> => {
    if (unread.length === 0) return;
    stepLosses.push(...(await readLosses(unread)));
    for (const l of unread) l.dispose();
    unread.length = 0;
  };
  const tensorsAfterEpoch: number[] = [];
  model.train();
  const start = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const [images, labels] of loader) {
      // Augmentation is host code on the loader's CPU batch; the result is uploaded (synchronously).
      const shifted = randomAffine(images, recipe.augment, o.seed, step + 1);
      const loss = tidy(() => {
        const l = crossEntropy(model.forward(shifted.to(device)), labels.to(device), {
          labelSmoothing: recipe.labelSmoothing,
        });
        backward(l);
        return l;
      }, context);
      optimizer.step();
      optimizer.zeroGrad();
      schedule.step();
      images.dispose();
      labels.dispose();
      shifted.dispose();
      unread.push(loss);
      step++;
      // Every fifth step at the latest (the progress line's), which also bounds how far the host
      // runs ahead of the GPU.
      if (device === 'cpu' || step % 5 === 0 || step === total) await readUnread();
      if (o.onProgress && (step % 5 === 0 || step === total)) {
        const recent = stepLosses.slice(-20);
        const elapsed = (performance.now() - start) / 1000;
        o.onProgress(
          step,
          total,
          recent.reduce((a, b) => a + b, 0) / recent.length,
          (step * recipe.batchSize) / elapsed,
        );
      }
    }
    await readUnread();
    tensorsAfterEpoch.push(memory(context).tensors);
  }
  const seconds = (performance.now() - start) / 1000;
  optimizer.dispose();
  const { accuracy, misclassified } = await evaluate(model, o.test, context);
  return {
    name: o.name,
    model,
    device,
    stepLosses,
    testAccuracy: accuracy,
    misclassified,
    seconds,
    samplesPerSecond: (total * recipe.batchSize) / seconds,
    numParameters: model.numParameters(),
    tensorsAfterEpoch,
  };
}

/**
 * Accuracy on a split in eval mode, and the digits it got wrong. Runs where the model's parameters
 * are; the split (on the CPU) is uploaded batch by batch.
 */
export async function evaluate(
  model: Sequential,
  split: MnistSplit,
  context: Context,
): Promise<{ accuracy: number; misclassified: Misclassified[] }> {
  const device = model.parameters()[0].device;
  model.eval();
  const n = split.labels.shape[0];
  const labels = split.labels.dataSync();
  const misclassified: Misclassified[] = [];
  const batch = 500;
  for (let from = 0; from < n; from += batch) {
    const size = Math.min(batch, n - from);
    const argmax = noGrad(
      () =>
        tidy(
          () => model.forward(split.images.narrow(0, from, size).to(device) as Tensor).argmax(-1),
          context,
        ),
      context,
    );
    const predicted = await argmax.data();
    argmax.dispose();
    for (let i = 0; i < size; i++) {
      if (predicted[i] !== labels[from + i]) {
        misclassified.push({ index: from + i, label: labels[from + i], predicted: predicted[i] });
      }
    }
  }
  model.train();
  return { accuracy: 1 - misclassified.length / n, misclassified };
}
