import { backward, noGrad } from '@tessera/autograd';
import { type Context, manualSeed, memory, type Tensor, tidy } from '@tessera/core';
import { DataLoader, type MnistSplit, mnistDataset } from '@tessera/data';
import { crossEntropy, type Sequential } from '@tessera/nn';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { randomAffine } from './augment.js';
import type { ModelName } from './cli.js';
import type { Recipe } from './models.js';

export interface Misclassified {
  /** Index in the test split. */
  index: number;
  label: number;
  predicted: number;
}

export interface TrainResult {
  name: ModelName;
  model: Sequential;
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
  train: MnistSplit;
  test: MnistSplit;
  /** Called every few steps with (step, totalSteps, recent loss, samples/s). */
  onProgress?: (step: number, total: number, loss: number, samplesPerSecond: number) => void;
}

/** Trains one model with AdamW, a cosine schedule with warmup and random affine distortions; then tests it. */
export function trainModel(o: TrainOptions): TrainResult {
  const { context, recipe } = o;
  manualSeed(o.seed, context);
  const model = recipe.build(context);
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
  const tensorsAfterEpoch: number[] = [];
  model.train();
  const start = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const [images, labels] of loader) {
      const shifted = randomAffine(images, recipe.augment, o.seed, step + 1);
      const loss = tidy(() => {
        const l = crossEntropy(model.forward(shifted), labels, { labelSmoothing: recipe.labelSmoothing });
        backward(l);
        return l.itemSync();
      }, context);
      optimizer.step();
      optimizer.zeroGrad();
      schedule.step();
      images.dispose();
      labels.dispose();
      shifted.dispose();
      stepLosses.push(loss);
      step++;
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
    tensorsAfterEpoch.push(memory(context).tensors);
  }
  const seconds = (performance.now() - start) / 1000;
  optimizer.dispose();
  const { accuracy, misclassified } = evaluate(model, o.test, context);
  return {
    name: o.name,
    model,
    stepLosses,
    testAccuracy: accuracy,
    misclassified,
    seconds,
    samplesPerSecond: (total * recipe.batchSize) / seconds,
    numParameters: model.numParameters(),
    tensorsAfterEpoch,
  };
}

/** Accuracy on a split in eval mode, and the digits it got wrong. */
export function evaluate(
  model: Sequential,
  split: MnistSplit,
  context: Context,
): { accuracy: number; misclassified: Misclassified[] } {
  model.eval();
  const n = split.labels.shape[0];
  const labels = split.labels.dataSync();
  const misclassified: Misclassified[] = [];
  const batch = 500;
  for (let from = 0; from < n; from += batch) {
    const size = Math.min(batch, n - from);
    const predicted = noGrad(
      () =>
        tidy(
          () =>
            model
              .forward(split.images.narrow(0, from, size) as Tensor)
              .argmax(-1)
              .dataSync(),
          context,
        ),
      context,
    );
    for (let i = 0; i < size; i++) {
      if (predicted[i] !== labels[from + i]) {
        misclassified.push({ index: from + i, label: labels[from + i], predicted: predicted[i] });
      }
    }
  }
  model.train();
  return { accuracy: 1 - misclassified.length / n, misclassified };
}
