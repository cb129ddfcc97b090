import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FVSBN, MADE, NADE } from '@tessera/autoregressive';
import { type Context, createContext, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { binarize, binarizeStochastic, splitValidation } from '@tessera/data';
import { loadMnist } from '@tessera/data/node';
import { saveFile } from '@tessera/nn/node';
import { IndependentPixels } from './baseline.js';
import { chosenModels, hiddenSizes, type ModelName, type Options } from './cli.js';
import { renderConditionals, renderSampleGrid } from './pictures.js';
import {
  type DensityModel,
  meanNll,
  type Recipe,
  type TrainResult,
  trainWithEarlyStopping,
} from './train.js';

const PIXELS = 784;
const SAMPLES = 32;
const CONDITIONAL_DIGITS = 6;

export interface ModelReport {
  name: ModelName;
  numParameters: number;
  train: number;
  validation: number;
  test: number;
  training: TrainResult;
  /** MADE only: the test NLL of mask set 0 alone (no ensemble). */
  testOneMask?: number;
}

export interface RunReport {
  baseline: { train: number; validation: number; test: number };
  models: ModelReport[];
  files: string[];
}

/** The bias of each model's output logits: set to the logits of the pixel frequencies, where training starts. */
function outputBias(model: DensityModel): Tensor {
  if (model instanceof FVSBN) return model.bias;
  if (model instanceof NADE) return model.outBias;
  if (model instanceof MADE) return model.layers[model.layers.length - 1].bias as Tensor;
  throw new Error('mnist-density: unknown model');
}

function build(
  name: ModelName,
  o: Options,
  context: Context,
): { model: DensityModel; recipe: Recipe; config: string } {
  manualSeed(o.seed, context);
  if (name === 'fvsbn') {
    return {
      model: new FVSBN(PIXELS, { context }),
      recipe: { lr: 3e-3, weightDecay: 1e-4, batchSize: 100 },
      config: '{}',
    };
  }
  if (name === 'nade') {
    const hidden = o['nade-hidden'];
    return {
      model: new NADE(PIXELS, { hidden, context }),
      recipe: { lr: 1e-3, weightDecay: 0, batchSize: 100 },
      config: JSON.stringify({ hidden }),
    };
  }
  const config = {
    hidden: hiddenSizes(o['made-hidden']),
    masks: o['made-masks'],
    ordering: o['made-ordering'] as 'natural' | 'random',
    seed: o.seed,
  };
  const made = new MADE(PIXELS, { ...config, context });
  return {
    model: made,
    recipe: {
      lr: 1e-3,
      weightDecay: 1e-4,
      batchSize: 100,
      // Connectivity-agnostic training: the next mask set every step, the objective under that set alone.
      beforeStep: (step) => made.useMask(step % config.masks),
      trainLogProb: (x) => made.logProb(x, { mask: made.maskIndex }),
    },
    config: JSON.stringify(config),
  };
}

/** Loads and binarizes the digits, trains each chosen model, and writes weights and pictures. */
export async function run(o: Options, log: (line: string) => void, context?: Context): Promise<RunReport> {
  const ctx = context ?? createContext(o.threads === undefined ? {} : { cpu: { threads: o.threads } });
  const names = chosenModels(o.models);
  const mnist = await loadMnist({ context: ctx });
  const flat = (t: Tensor, stream: number): Tensor =>
    tidy(() => {
      const bits = o.binarize === 'stochastic' ? binarizeStochastic(t, 2 * o.seed + stream) : binarize(t);
      return bits.reshape([t.shape[0], PIXELS]);
    }, ctx);
  const all = flat(mnist.train.images, 0);
  const test = flat(mnist.test.images, 1);
  const used = o.limit === undefined ? all : all.narrow(0, 0, Math.min(o.limit, all.shape[0]));
  const parts = splitValidation(
    { images: used, labels: mnist.train.labels },
    Math.min(o.validation, used.shape[0] - 1),
  );
  const train = parts.train.images.contiguous();
  const validation = parts.validation.images.contiguous();
  log(
    `binarized MNIST (${o.binarize}): ${train.shape[0]} training, ${validation.shape[0]} validation and ${test.shape[0]} test digits`,
  );
  const base = new IndependentPixels(train.dataSync() as Float32Array, PIXELS);
  const baseline = {
    train: base.meanNll(train.dataSync() as Float32Array),
    validation: base.meanNll(validation.dataSync() as Float32Array),
    test: base.meanNll(test.dataSync() as Float32Array),
  };
  log(
    `independent pixels: NLL train ${baseline.train.toFixed(2)}, validation ${baseline.validation.toFixed(2)}, test ${baseline.test.toFixed(2)} nats`,
  );
  mkdirSync(o.out, { recursive: true });
  const reports: ModelReport[] = [];
  const files: string[] = [];
  const sampleBlocks = [
    { title: 'TEST DIGITS', images: test.narrow(0, 0, SAMPLES).dataSync() as Float32Array },
  ];
  const digits = test.narrow(0, 0, CONDITIONAL_DIGITS).contiguous();
  const conditionals = [];
  for (const name of names) {
    const { model, recipe, config } = build(name, o, ctx);
    const bias = outputBias(model);
    const start = tensor(
      Float32Array.from(base.p, (q) => Math.log(q / (1 - q))),
      { context: ctx },
    );
    bias.assign(start);
    start.dispose();
    log(
      `${name}: ${model.numParameters().toLocaleString('en-US')} parameters ${config}, Adam lr ${recipe.lr}, weight decay ${recipe.weightDecay}, batch ${recipe.batchSize}`,
    );
    const training = trainWithEarlyStopping({
      name,
      model,
      recipe,
      train,
      validation,
      maxEpochs: o['max-epochs'],
      patience: o.patience,
      seconds: o.minutes * 60,
      seed: o.seed,
      context: ctx,
      log,
      quiet: o.quiet,
    });
    const logProb = (x: Tensor): Tensor => model.logProb(x);
    const report: ModelReport = {
      name,
      numParameters: model.numParameters(),
      train: meanNll(logProb, train, ctx),
      validation: meanNll(logProb, validation, ctx),
      test: meanNll(logProb, test, ctx),
      training,
    };
    if (model instanceof MADE) {
      model.useMask(0);
      report.testOneMask = meanNll((x) => model.logProb(x, { mask: 0 }), test, ctx);
    }
    reports.push(report);
    log(
      `${name}: NLL train ${report.train.toFixed(2)}, validation ${report.validation.toFixed(2)}, test ${report.test.toFixed(2)} nats` +
        `${report.testOneMask === undefined ? '' : ` (one mask: ${report.testOneMask.toFixed(2)})`}; ` +
        `${training.epochs} epochs (best ${training.bestEpoch}, stopped by ${training.stoppedBy}) in ${training.seconds.toFixed(0)} s`,
    );
    const weights = join(o.out, `${name}.safetensors`);
    await saveFile(weights, model.stateDict(), {
      model: name,
      config,
      testNll: report.test.toFixed(3),
      binarize: o.binarize,
      seed: String(o.seed),
    });
    files.push(weights);
    const samples = model.sample(SAMPLES, { seed: o.seed + 1 });
    sampleBlocks.push({
      title: `${name.toUpperCase()} SAMPLES  TEST NLL ${report.test.toFixed(1)}`,
      images: samples.dataSync() as Float32Array,
    });
    samples.dispose();
    const p = tidy(() => model.conditionalLogits(digits).sigmoid(), ctx);
    conditionals.push({
      title: name === 'made' ? 'MADE MASK 0' : name.toUpperCase(),
      probabilities: Float32Array.from(p.dataSync()),
    });
    p.dispose();
    model.dispose();
  }
  const samplesPng = join(o.out, 'samples.png');
  writeFileSync(samplesPng, renderSampleGrid(sampleBlocks));
  const conditionalsPng = join(o.out, 'conditionals.png');
  writeFileSync(conditionalsPng, renderConditionals(digits.dataSync() as Float32Array, conditionals));
  files.push(samplesPng, conditionalsPng);
  for (const f of files) log(`wrote ${f}`);
  for (const t of new Set([
    all,
    test,
    used,
    train,
    validation,
    digits,
    mnist.train.images,
    mnist.train.labels,
    mnist.test.images,
    mnist.test.labels,
  ]))
    t.dispose();
  return { baseline, models: reports, files };
}
