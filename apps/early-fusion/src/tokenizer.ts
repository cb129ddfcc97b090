import { type AffineRange, randomAffine } from '@tessera/app-mnist/augment';
import { backward } from '@tessera/autograd';
import { type Context, manualSeed, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import type { MnistSplit } from '@tessera/data';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { VQVAE, type VQVAEConfig } from '@tessera/vision';

export interface TokenizerOptions {
  config: VQVAEConfig;
  steps: number;
  batchSize: number;
  lr: number;
  /** Dead-code restarts every this many steps (the first half of training). */
  restartEvery: number;
  seed: number;
  context: Context;
  onProgress?: (step: number, total: number, loss: number, perplexity: number) => void;
}

export interface TokenizerResult {
  model: VQVAE;
  /** Reconstruction loss (BCE per pixel) of every step. */
  losses: number[];
  /** Codes moved by dead-code restarts, in all. */
  restarted: number;
  seconds: number;
}

/** Trains the VQ-VAE tokenizer on random batches of the training digits. */
export function trainTokenizer(train: MnistSplit, o: TokenizerOptions): TokenizerResult {
  const { context } = o;
  manualSeed(o.seed, context);
  const model = new VQVAE(o.config, { context });
  const optimizer = new AdamW(model.parameters(), { lr: o.lr, weightDecay: 0 });
  const schedule = new CosineWithWarmup(optimizer, {
    warmupSteps: Math.ceil(o.steps / 20),
    totalSteps: o.steps,
  });
  const rng = new Rng(o.seed);
  const n = train.labels.shape[0];
  const batchOf = (size: number) =>
    train.images.indexSelect(
      0,
      tensor(
        Array.from({ length: size }, () => rng.int(n)),
        [size],
        { dtype: 'i32', context },
      ),
    );
  const losses: number[] = [];
  let restarted = 0;
  const start = performance.now();
  for (let step = 1; step <= o.steps; step++) {
    const [loss, perplexity] = tidy(() => {
      const out = model.forward(batchOf(o.batchSize));
      backward(out.loss);
      return [out.reconstructionLoss.itemSync(), out.perplexity.itemSync()];
    }, context);
    optimizer.step();
    optimizer.zeroGrad();
    schedule.step();
    losses.push(loss);
    if (step % o.restartEvery === 0 && step <= o.steps / 2) {
      restarted += tidy(() => model.restartDeadCodes(batchOf(256), rng), context);
    }
    o.onProgress?.(step, o.steps, loss, perplexity);
  }
  optimizer.dispose();
  model.eval();
  return { model, losses, restarted, seconds: (performance.now() - start) / 1000 };
}

export interface TokenizedSplit {
  /** Codes of every image, 49 (h·w) per image, image after image. */
  codes: Int32Array;
  /** Tokens per image (h·w). */
  perImage: number;
  /** Mean squared error per pixel of decode(encode(x)) against x, pixels in [0, 1]. */
  mse: number;
  /** exp(entropy) of the code usage over the split. */
  perplexity: number;
  /** Codes used at least once. */
  used: number;
}

/**
 * Token grids of a whole split, its reconstruction error and codebook usage, in batches.
 * `reconstruction: false` skips decoding the grids back to pixels (most of the work), leaving
 * `mse` NaN.
 */
export function tokenize(
  model: VQVAE,
  split: MnistSplit,
  context: Context,
  { batch = 500, reconstruction = true }: { batch?: number; reconstruction?: boolean } = {},
): TokenizedSplit {
  const n = split.labels.shape[0];
  const chunks: Int32Array[] = [];
  let squared = 0;
  let perImage = 0;
  for (let from = 0; from < n; from += batch) {
    const size = Math.min(batch, n - from);
    tidy(() => {
      const images = split.images.narrow(0, from, size);
      const tokens = model.encode(images);
      perImage = tokens.shape[1] * tokens.shape[2];
      chunks.push(Int32Array.from(tokens.dataSync() as Int32Array));
      if (reconstruction) squared += model.decode(tokens).sub(images).square().sum().itemSync();
    }, context);
  }
  const codes = new Int32Array(n * perImage);
  chunks.forEach((c, i) => {
    codes.set(c, i * batch * perImage);
  });
  const counts = new Array<number>(model.config.codebookSize).fill(0);
  for (const c of codes) counts[c]++;
  const entropy = counts.reduce(
    (h, c) => (c > 0 ? h - (c / codes.length) * Math.log(c / codes.length) : h),
    0,
  );
  const [, c, hh, ww] = split.images.shape;
  return {
    codes,
    perImage,
    mse: reconstruction ? squared / (n * c * hh * ww) : Number.NaN,
    perplexity: Math.exp(entropy),
    used: counts.filter((x) => x > 0).length,
  };
}

/**
 * Token grids of `copies` randomly distorted versions of every digit of `split` (apps/mnist's
 * random affine distortion within `range`, copy k drawn from stream k of `seed`), concatenated
 * copy after copy, with the labels repeated to match. More distinct training grids for the
 * decoder: the split has only 8,000 digits.
 */
export function tokenizeAugmented(
  model: VQVAE,
  split: MnistSplit,
  o: { copies: number; range: AffineRange; seed: number; context: Context },
): { codes: Int32Array; labels: Int32Array; perImage: number } {
  const labels = Int32Array.from(split.labels.dataSync() as Int32Array);
  const n = labels.length;
  const grids: Int32Array[] = [];
  let perImage = 0;
  for (let k = 0; k < o.copies; k++) {
    const images = randomAffine(split.images, o.range, o.seed, k);
    const t = tokenize(model, { images, labels: split.labels }, o.context, { reconstruction: false });
    images.dispose();
    grids.push(t.codes);
    perImage = t.perImage;
  }
  const codes = new Int32Array(o.copies * n * perImage);
  const all = new Int32Array(o.copies * n);
  grids.forEach((g, k) => {
    codes.set(g, k * n * perImage);
    all.set(labels, k * n);
  });
  return { codes, labels: all, perImage };
}
