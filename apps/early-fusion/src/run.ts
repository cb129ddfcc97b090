import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RECIPES } from '@tessera/app-mnist/models';
import { type Context, createContext, TesseraError, tensor, tidy } from '@tessera/core';
import type { MnistSplit } from '@tessera/data';
import { loadMnist } from '@tessera/data/node';
import { loadFile, saveFile } from '@tessera/nn/node';
import { Decoder, type DecoderConfig } from '@tessera/transformer';
import { VQVAE, type VQVAEConfig } from '@tessera/vision';
import { classify, mnistClassifier } from './classifier.js';
import type { CliOptions } from './cli.js';
import {
  type CodedSplit,
  captionAccuracy,
  generateImages,
  imageBlockPositions,
  type PositionOf,
  type StepRecord,
  trainFusion,
} from './fusion.js';
import { renderGenerations, renderStability, type StabilityRun } from './report.js';
import { tokenize, tokenizeAugmented, trainTokenizer } from './tokenizer.js';
import { FusionVocab, TEMPLATES } from './vocab.js';

/** Reports progress: which stage, steps done and in all, and a short status. */
export type OnProgress = (stage: string, step: number, total: number, status: string) => void;

export const TOKENIZER: VQVAEConfig = { channels: 1, hidden: 16, codeDim: 16, codebookSize: 64 };

/** The random affine distortions of the decoder's extra training grids: apps/mnist's CNN recipe. */
export const AUGMENT = RECIPES.cnn.augment;

const cpuSeconds = () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;

interface Stage {
  name: string;
  wallSeconds: number;
  cpuSeconds: number;
}

const concat = (a: Int32Array, b: Int32Array): Int32Array => {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** Runs `f`, recording its wall-clock and CPU seconds (all threads of this process) under `name`. */
async function timed<T>(stages: Stage[], name: string, f: () => T | Promise<T>): Promise<T> {
  const [wall, cpu] = [performance.now(), cpuSeconds()];
  const result = await f();
  stages.push({ name, wallSeconds: (performance.now() - wall) / 1000, cpuSeconds: cpuSeconds() - cpu });
  return result;
}

/** The tokenizer from `out/vqvae.safetensors`, or trained (and saved there) when absent. */
async function tokenizer(
  o: CliOptions,
  context: Context,
  train: MnistSplit,
  log: (line: string) => void,
  progress?: OnProgress,
): Promise<VQVAE> {
  const path = join(o.out, 'vqvae.safetensors');
  if (existsSync(path)) {
    const model = new VQVAE(TOKENIZER, { context });
    model.loadStateDict(await loadFile(path, { context }));
    model.eval();
    log(`tokenizer: loaded ${path}`);
    return model;
  }
  const r = trainTokenizer(train, {
    config: TOKENIZER,
    steps: o.tokenizerSteps,
    batchSize: 64,
    lr: 3e-3,
    restartEvery: 25,
    seed: o.seed,
    context,
    onProgress:
      progress &&
      ((s, t, loss, ppl) =>
        progress('tokenizer', s, t, `bce ${loss.toFixed(4)} perplexity ${ppl.toFixed(1)}`)),
  });
  log(
    `tokenizer: ${o.tokenizerSteps} steps in ${r.seconds.toFixed(0)} s, ${r.restarted} dead codes restarted`,
  );
  await saveFile(path, r.model.stateDict());
  return r.model;
}

/** Tokens per image of the tokenizer's 7×7 grid. */
const PER_IMAGE = 49;

function decoderConfig(
  o: CliOptions,
  vocab: FusionVocab,
  chameleon: { qkNorm: boolean; post: boolean },
): DecoderConfig {
  return {
    vocab: vocab.size,
    dim: o.dim,
    layers: o.layers,
    heads: 4,
    kvHeads: 4,
    qkNorm: chameleon.qkNorm,
    normPlacement: chameleon.post ? 'post' : 'pre',
    // The image block's ids, then the longest caption with its end-of-text and one padding slot.
    maxLength: o.imagePositions ? PER_IMAGE + 2 + Math.max(...TEMPLATES.map((t) => t.length)) + 2 : undefined,
  };
}

/** The learned-position ids of `--image-positions` (undefined without it). */
const positionsFor = (o: CliOptions, vocab: FusionVocab): PositionOf | undefined =>
  o.imagePositions ? imageBlockPositions(vocab, PER_IMAGE) : undefined;

/** A decoder saved by a train run (`--mode evaluate`). */
async function loadDecoder(
  path: string,
  config: DecoderConfig,
  context: Context,
): Promise<{ model: Decoder; records: StepRecord[] }> {
  const model = new Decoder(config, { context });
  model.loadStateDict(await loadFile(path, { context }));
  model.eval();
  return { model, records: [] };
}

/**
 * Tokenizes the training digits and their distorted copies (writing `tokens.json`, which the
 * stability mode reuses), trains the decoder on them and saves it.
 */
async function trainDecoder(
  o: CliOptions,
  vocab: FusionVocab,
  config: DecoderConfig,
  train: MnistSplit,
  testCodes: ReturnType<typeof tokenize>,
  vq: VQVAE,
  stages: Stage[],
  files: string[],
  context: Context,
  progress?: OnProgress,
): Promise<{ model: Decoder; records: StepRecord[] }> {
  const [trainCodes, augmented] = await timed(
    stages,
    'tokenize training',
    () =>
      [
        tokenize(vq, train, context, { reconstruction: false }),
        tokenizeAugmented(vq, train, { copies: o.augment, range: AUGMENT, seed: o.seed, context }),
      ] as const,
  );
  const tokensPath = join(o.out, 'tokens.json');
  writeFileSync(
    tokensPath,
    JSON.stringify({ train: Array.from(trainCodes.codes), test: Array.from(testCodes.codes) }),
  );
  files.push(tokensPath);
  // The decoder trains on the digits and their distorted copies.
  const withAugmented: CodedSplit = {
    codes: concat(trainCodes.codes, augmented.codes),
    perImage: trainCodes.perImage,
    labels: concat(train.labels.dataSync() as Int32Array, augmented.labels),
  };
  const fusion = await timed(stages, 'decoder', () =>
    trainFusion(vocab, withAugmented, {
      config,
      steps: o.steps,
      batchSize: o.batch,
      lr: o.lr,
      zLoss: 1e-4,
      captionWeight: o.captionWeight,
      imageToTextFraction: o.imageToText,
      positionOf: positionsFor(o, vocab),
      schedule: 'cosine',
      seed: o.seed,
      context,
      onProgress:
        progress &&
        ((s, t, r) => progress('decoder', s, t, `loss ${r.loss.toFixed(3)} log Z ${r.meanLogZ.toFixed(2)}`)),
    }),
  );
  const decoderPath = join(o.out, 'decoder.safetensors');
  await saveFile(decoderPath, fusion.model.stateDict());
  files.push(decoderPath);
  return fusion;
}

export interface TrainSummary {
  tokenizer: { testMse: number; testPerplexity: number; codesUsed: number; codebookSize: number };
  classifierTestAccuracy: number | undefined;
  captionAccuracy: number;
  captionExamples: { label: number; caption: string }[];
  generatedAccuracy: number;
  generatedPerClass: number[];
  invalidImageTokens: number;
  /** Mean training NLL of the last 20 decoder steps (undefined in evaluate mode). */
  finalLoss: number | undefined;
  guidance: number;
  stages: Stage[];
  loadAverage: number[];
  files: string[];
}

/**
 * Train mode: tokenizer, classifier, decoder, evaluation, pictures. Evaluate mode: the same
 * evaluation of the decoder saved in `out` (other sampling options, no training).
 */
export async function runTrain(
  o: CliOptions,
  log: (line: string) => void,
  progress?: OnProgress,
  context: Context = createContext(),
): Promise<TrainSummary> {
  mkdirSync(o.out, { recursive: true });
  const stages: Stage[] = [];
  const { train, test } = await loadMnist({ context });
  const evaluateOnly = o.mode === 'evaluate';
  const decoderPath = join(o.out, 'decoder.safetensors');
  if (evaluateOnly && !existsSync(decoderPath)) {
    throw new TesseraError(
      'early-fusion',
      `--mode evaluate needs a trained decoder at ${decoderPath}; run --mode train with this --out first`,
    );
  }
  const vq = await timed(stages, 'tokenizer', () => tokenizer(o, context, train, log, progress));
  const testCodes = await timed(stages, 'tokenize', () => tokenize(vq, test, context));
  log(
    `tokenizer: test reconstruction MSE ${testCodes.mse.toFixed(4)} per pixel, codebook perplexity ${testCodes.perplexity.toFixed(1)} ` +
      `(${testCodes.used}/${TOKENIZER.codebookSize} codes used), ${testCodes.perImage} tokens per image`,
  );
  const classifier = await timed(stages, 'classifier', () =>
    mnistClassifier(join(o.out, 'mnist-cnn.safetensors'), {
      epochs: o.classifierEpochs,
      seed: o.seed,
      context,
      train,
      test,
      onProgress: progress && ((s, t, loss) => progress('classifier', s, t, `loss ${loss.toFixed(3)}`)),
    }),
  );
  log(
    classifier.testAccuracy === undefined
      ? 'classifier: loaded mnist-cnn.safetensors'
      : `classifier: the MNIST CNN reaches ${(100 * classifier.testAccuracy).toFixed(2)}% on the test digits`,
  );
  const vocab = new FusionVocab(TOKENIZER.codebookSize ?? 64);
  const coded = (split: MnistSplit, codes: Int32Array): CodedSplit => ({
    codes,
    perImage: testCodes.perImage,
    labels: split.labels.dataSync() as Int32Array,
  });
  const config = decoderConfig(o, vocab, { qkNorm: true, post: true });
  const files: string[] = [];
  const fusion = evaluateOnly
    ? await loadDecoder(decoderPath, config, context)
    : await trainDecoder(o, vocab, config, train, testCodes, vq, stages, files, context, progress);
  if (evaluateOnly) log(`decoder: loaded ${decoderPath}`);
  const positionOf = positionsFor(o, vocab);
  const heldOut = coded(test, testCodes.codes);
  const limited =
    o.limit === undefined
      ? heldOut
      : {
          ...heldOut,
          labels: Array.from(heldOut.labels).slice(0, o.limit),
          codes: heldOut.codes.subarray(0, o.limit * heldOut.perImage),
        };
  const captions = await timed(stages, 'caption eval', () =>
    captionAccuracy(fusion.model, vocab, limited, { positionOf }),
  );
  log(
    `image → text: caption accuracy ${(100 * captions.accuracy).toFixed(2)}% on ${limited.labels.length} held-out digits`,
  );
  const generated = await timed(stages, 'generation', () =>
    generateImages(fusion.model, vocab, testCodes.perImage, o.perClass, {
      temperature: o.temperature,
      topK: o.topK,
      guidance: o.guidance,
      positionOf,
      seed: o.sampleSeed ?? o.seed,
    }),
  );
  const [h, w] = [7, 7];
  const { pixels, predicted } = tidy(() => {
    const grid = tensor(generated.codes.flat(), [generated.codes.length, h, w], { dtype: 'i32', context });
    const images = vq.decode(grid);
    return {
      pixels: Float32Array.from(images.dataSync() as Float32Array),
      predicted: classify(classifier.model, images),
    };
  }, context);
  const perClass = Array.from({ length: 10 }, (_, d) => {
    const mine = generated.digits.flatMap((g, i) => (g === d ? [i] : []));
    return mine.filter((i) => predicted[i] === d).length / mine.length;
  });
  const generatedAccuracy =
    generated.digits.filter((d, i) => predicted[i] === d).length / generated.digits.length;
  log(
    `text → image: ${(100 * generatedAccuracy).toFixed(2)}% of ${generated.digits.length} generated digits classified as asked ` +
      `(per class ${perClass.map((a) => `${Math.round(100 * a)}%`).join(' ')}); ${generated.invalid} non-image tokens replaced`,
  );
  const png = join(o.out, 'generations.png');
  writeFileSync(png, renderGenerations(pixels, generated.digits, predicted, Math.min(o.perClass, 12)));
  files.push(png);
  const summary: TrainSummary = {
    tokenizer: {
      testMse: testCodes.mse,
      testPerplexity: testCodes.perplexity,
      codesUsed: testCodes.used,
      codebookSize: TOKENIZER.codebookSize ?? 64,
    },
    classifierTestAccuracy: classifier.testAccuracy,
    captionAccuracy: captions.accuracy,
    captionExamples: captions.examples,
    generatedAccuracy,
    generatedPerClass: perClass,
    invalidImageTokens: generated.invalid,
    finalLoss:
      fusion.records.length === 0
        ? undefined
        : fusion.records.slice(-20).reduce((a, r) => a + r.loss, 0) / Math.min(20, fusion.records.length),
    guidance: o.guidance,
    stages,
    loadAverage: loadavg(),
    files,
  };
  const summaryPath = join(o.out, 'summary.json');
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  files.push(summaryPath);
  for (const s of stages)
    log(`${s.name}: ${s.wallSeconds.toFixed(0)} s wall, ${s.cpuSeconds.toFixed(0)} s CPU`);
  log(`load average ${summary.loadAverage.map((l) => l.toFixed(1)).join(' ')}`);
  for (const f of files) log(`wrote ${f}`);
  for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
  return summary;
}

/** The four stability runs: baseline, QK-norm only, z-loss only, and Chameleon's recipe (both, post-norm). */
export const STABILITY_RUNS = [
  { name: 'BASELINE (PRE-NORM)', qkNorm: false, zLoss: 0, post: false, color: [210, 40, 40] },
  { name: 'QK-NORM', qkNorm: true, zLoss: 0, post: false, color: [230, 150, 20] },
  { name: 'Z-LOSS 1E-4', qkNorm: false, zLoss: 1e-4, post: false, color: [40, 90, 210] },
  { name: 'QK-NORM + Z-LOSS + POST-NORM', qkNorm: true, zLoss: 1e-4, post: true, color: [30, 160, 60] },
] as const;

/** Stability mode: the same decoder at a deliberately high constant learning rate, four ways. */
export async function runStability(
  o: CliOptions,
  log: (line: string) => void,
  progress?: OnProgress,
  context: Context = createContext(),
): Promise<{ runs: StabilityRun[]; files: string[] }> {
  mkdirSync(o.out, { recursive: true });
  const { train, test } = await loadMnist({ context });
  const tokensPath = join(o.out, 'tokens.json');
  let codes: Int32Array;
  if (existsSync(tokensPath)) {
    codes = Int32Array.from(JSON.parse(readFileSync(tokensPath, 'utf8')).train as number[]);
    log(`stability: tokens from ${tokensPath}`);
  } else {
    codes = tokenize(await tokenizer(o, context, train, log, progress), train, context, {
      reconstruction: false,
    }).codes;
  }
  const vocab = new FusionVocab(TOKENIZER.codebookSize ?? 64);
  const split: CodedSplit = { codes, perImage: PER_IMAGE, labels: train.labels.dataSync() as Int32Array };
  const runs: StabilityRun[] = [];
  for (const r of STABILITY_RUNS) {
    const { records } = trainFusion(vocab, split, {
      config: decoderConfig(o, vocab, { qkNorm: r.qkNorm, post: r.post }),
      steps: o.stabilitySteps,
      batchSize: o.batch,
      lr: o.stabilityLr,
      zLoss: r.zLoss,
      positionOf: positionsFor(o, vocab),
      schedule: 'constant',
      seed: o.seed,
      context,
      recordAttention: true,
      onProgress:
        progress &&
        ((s, t, rec: StepRecord) =>
          progress(
            r.name,
            s,
            t,
            `loss ${rec.loss.toFixed(3)} max logit ${rec.maxAttentionLogit.toFixed(1)}`,
          )),
    });
    const pick = (f: (x: StepRecord) => number) => records.map(f);
    const run: StabilityRun = {
      name: r.name,
      color: [...r.color],
      loss: pick((x) => x.loss),
      maxAttentionLogit: pick((x) => x.maxAttentionLogit),
      meanLogZ: pick((x) => x.meanLogZ),
    };
    runs.push(run);
    const last = (xs: number[]) => xs.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, xs.length);
    log(
      `${r.name}: loss ${last(run.loss).toFixed(3)} (last 10 steps; min ${Math.min(...run.loss).toFixed(3)}), ` +
        `largest attention logit ${Math.max(...run.maxAttentionLogit).toFixed(1)} (final ${run.maxAttentionLogit.at(-1)?.toFixed(1)}), ` +
        `log Z final ${run.meanLogZ.at(-1)?.toFixed(2)} (max ${Math.max(...run.meanLogZ).toFixed(2)})`,
    );
  }
  const png = join(o.out, 'stability.png');
  writeFileSync(png, renderStability(runs, o.stabilityLr));
  const json = join(o.out, 'stability.json');
  writeFileSync(json, `${JSON.stringify({ lr: o.stabilityLr, loadAverage: loadavg(), runs }, null, 2)}\n`);
  for (const f of [png, json]) log(`wrote ${f}`);
  for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
  return { runs, files: [png, json] };
}
