import { existsSync } from 'node:fs';
import { RECIPES } from '@tessera/app-mnist/models';
import { type TrainResult, trainModel } from '@tessera/app-mnist/train';
import { noGrad } from '@tessera/autograd';
import { type Context, type Tensor, tidy } from '@tessera/core';
import type { MnistSplit } from '@tessera/data';
import type { Sequential } from '@tessera/nn';
import { loadFile, saveFile } from '@tessera/nn/node';

export interface Classifier {
  model: Sequential;
  /** Accuracy on the MNIST test split when it was trained here; undefined when loaded. */
  testAccuracy: number | undefined;
  /** Seconds of training (0 when loaded). */
  seconds: number;
}

/**
 * The CNN of apps/mnist (its recipe: AdamW, cosine schedule, label smoothing, random affine
 * distortions), loaded from `path` when present, else trained for `epochs` and saved there.
 */
export async function mnistClassifier(
  path: string,
  o: {
    epochs: number;
    seed: number;
    context: Context;
    train: MnistSplit;
    test: MnistSplit;
    onProgress?: (step: number, total: number, loss: number) => void;
  },
): Promise<Classifier> {
  const recipe = RECIPES.cnn;
  if (existsSync(path)) {
    const model = recipe.build(o.context);
    model.loadStateDict(await loadFile(path, { context: o.context }));
    model.eval();
    return { model, testAccuracy: undefined, seconds: 0 };
  }
  const r: TrainResult = await trainModel({
    name: 'cnn',
    recipe,
    epochs: o.epochs,
    seed: o.seed,
    context: o.context,
    device: 'cpu',
    train: o.train,
    test: o.test,
    onProgress: o.onProgress && ((s, t, loss) => o.onProgress?.(s, t, loss)),
  });
  r.model.eval();
  await saveFile(path, r.model.stateDict(), {
    model: 'cnn',
    testAccuracy: r.testAccuracy.toFixed(4),
    epochs: String(o.epochs),
  });
  return { model: r.model, testAccuracy: r.testAccuracy, seconds: r.seconds };
}

/** The classifier's digit for each image [n, 1, 28, 28]. */
export function classify(model: Sequential, images: Tensor): number[] {
  return noGrad(
    () => tidy(() => Array.from(model.forward(images).argmax(-1).dataSync() as Int32Array), images.ctx),
    images.ctx,
  );
}
