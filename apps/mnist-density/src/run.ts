import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FVSBN, MADE, NADE } from '@tessera/autoregressive';
import { type Context, createContext, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { binarize, binarizeStochastic, splitValidation } from '@tessera/data';
import { loadMnist } from '@tessera/data/node';
import { deserialize, readMetadata } from '@tessera/nn';
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
  /** Seconds of training (from the weights' metadata when loaded). */
  trainSeconds: number;
  /** Absent when the weights were loaded. */
  training?: TrainResult;
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

/** A model's shape, as saved in its weights' metadata. */
interface ModelConfig {
  hidden?: number | number[];
  masks?: number;
  ordering?: 'natural' | 'random';
  direct?: boolean;
  seed?: number;
}

function configFromOptions(name: ModelName, o: Options): ModelConfig {
  if (name === 'fvsbn') return {};
  if (name === 'nade') return { hidden: o['nade-hidden'] };
  return {
    hidden: hiddenSizes(o['made-hidden']),
    masks: o['made-masks'],
    ordering: o['made-ordering'] as 'natural' | 'random',
    direct: o['made-direct'],
    seed: o.seed,
  };
}

function build(
  name: ModelName,
  config: ModelConfig,
  seed: number,
  context: Context,
): { model: DensityModel; recipe: Recipe } {
  manualSeed(seed, context);
  if (name === 'fvsbn') {
    return { model: new FVSBN(PIXELS, { context }), recipe: { lr: 3e-3, weightDecay: 1e-4, batchSize: 100 } };
  }
  if (name === 'nade') {
    return {
      model: new NADE(PIXELS, { hidden: config.hidden as number, context }),
      recipe: { lr: 1e-3, weightDecay: 0, batchSize: 100 },
    };
  }
  const made = new MADE(PIXELS, { ...config, hidden: config.hidden as number[], context });
  const masks = made.maskSets.length;
  return {
    model: made,
    recipe: {
      lr: 1e-3,
      weightDecay: 1e-4,
      batchSize: 100,
      // Connectivity-agnostic training: the next mask set every step, the objective under that set alone.
      beforeStep: (step) => made.useMask(step % masks),
      trainLogProb: (x) => made.logProb(x, { mask: made.maskIndex }),
    },
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
    let config = configFromOptions(name, o);
    let saved: { weights: Map<string, Tensor>; seconds: number } | undefined;
    if (o.weights !== undefined) {
      // Evaluate saved weights instead of training: the model's shape comes from the file's metadata.
      const bytes = new Uint8Array(readFileSync(join(o.weights, `${name}.safetensors`)));
      const meta = readMetadata(bytes);
      config = JSON.parse(meta.config ?? '{}') as ModelConfig;
      saved = {
        weights: deserialize(bytes, { context: ctx }),
        seconds: Number(meta.trainSeconds ?? Number.NaN),
      };
    }
    const built = build(name, config, o.seed, ctx);
    const model = built.model;
    const recipe = {
      ...built.recipe,
      lr: o.lr ?? built.recipe.lr,
      batchSize: o['batch-size'] ?? built.recipe.batchSize,
    };
    let training: TrainResult | undefined;
    if (saved) {
      model.loadStateDict(saved.weights);
      for (const t of saved.weights.values()) t.dispose();
      log(
        `${name}: ${model.numParameters().toLocaleString('en-US')} parameters ${JSON.stringify(config)}, loaded from ${o.weights}`,
      );
    } else {
      const bias = outputBias(model);
      const start = tensor(
        Float32Array.from(base.p, (q) => Math.log(q / (1 - q))),
        { context: ctx },
      );
      bias.assign(start);
      start.dispose();
      log(
        `${name}: ${model.numParameters().toLocaleString('en-US')} parameters ${JSON.stringify(config)}, Adam lr ${recipe.lr}, weight decay ${recipe.weightDecay}, batch ${recipe.batchSize}`,
      );
      training = trainWithEarlyStopping({
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
    }
    const logProb = (x: Tensor): Tensor => model.logProb(x);
    const report: ModelReport = {
      name,
      numParameters: model.numParameters(),
      train: meanNll(logProb, train, ctx),
      validation: meanNll(logProb, validation, ctx),
      test: meanNll(logProb, test, ctx),
      trainSeconds: training?.seconds ?? saved?.seconds ?? Number.NaN,
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
        (training
          ? `${training.epochs} epochs (best ${training.bestEpoch}, stopped by ${training.stoppedBy}) in ${training.seconds.toFixed(0)} s`
          : `trained in ${report.trainSeconds.toFixed(0)} s`),
    );
    const weights = join(o.out, `${name}.safetensors`);
    await saveFile(weights, model.stateDict(), {
      model: name,
      config: JSON.stringify(config),
      trainSeconds: report.trainSeconds.toFixed(1),
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
      title: name.toUpperCase(),
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
