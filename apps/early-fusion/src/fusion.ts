import { backward, noGrad } from '@tessera/autograd';
import { type Context, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { crossEntropy } from '@tessera/nn';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { Decoder, type DecoderConfig, type GenerateOptions, generate, zLoss } from '@tessera/transformer';
import { caption, type FusionVocab, randomCaption, TEMPLATES } from './vocab.js';

/** Token data of one split: codes (perImage per image) and labels. */
export interface CodedSplit {
  codes: Int32Array;
  perImage: number;
  labels: ArrayLike<number>;
}

const IGNORE = -100;

/** Maps a row's token index to its learned-position id: `generate`'s `positionOf`. */
export type PositionOf = NonNullable<GenerateOptions['positionOf']>;

/**
 * Learned positions that name an image token's grid cell in either direction: the tokens of an
 * image block [BOI, codes…, EOI] take ids 0 … perImage + 1 from its start, wherever the block
 * sits, and text tokens take perImage + 2 onwards, counting only the text. Both caption → image
 * and image → caption sequences then give code k the same id, where sequence indices would shift it
 * by the caption's length. `maxLength` must exceed perImage + 1 + the longest text.
 */
export function imageBlockPositions(vocab: FusionVocab, perImage: number): PositionOf {
  const block = perImage + 2;
  return (row, index) => {
    // Walk the row a block or a word at a time until `index` falls in one.
    let text = 0;
    let i = 0;
    while (row[i] === vocab.beginImage ? index >= i + block : i < index) {
      if (row[i] === vocab.beginImage) {
        i += block;
      } else {
        i++;
        text++;
      }
    }
    return row[i] === vocab.beginImage ? index - i : block + text;
  };
}

/** caption → image: [caption…, BOI, codes…, EOI]. */
export function textToImage(
  vocab: FusionVocab,
  words: readonly string[],
  codes: ArrayLike<number>,
): number[] {
  return [...vocab.encodeText(words), ...vocab.encodeImage(codes)];
}

/** image → caption: [BOI, codes…, EOI, caption…, EOT]. */
export function imageToText(
  vocab: FusionVocab,
  codes: ArrayLike<number>,
  words: readonly string[],
): number[] {
  return [...vocab.encodeImage(codes), ...vocab.encodeText(words), vocab.endOfText];
}

/**
 * A training batch: `size` random images of the split, each as a caption → image or an
 * image → caption sequence (a fair coin), right-padded; inputs [b, L], next-token targets [b·L]
 * and loss weights [b·L]: 0 on the padding, `captionWeight` on the caption of image → caption
 * sequences (the few tokens that carry the label), 1 elsewhere.
 */
export function batchOf(
  vocab: FusionVocab,
  split: CodedSplit,
  size: number,
  rng: Rng,
  context: Context,
  captionWeight = 1,
  imageToTextFraction = 0.5,
  positionOf?: PositionOf,
): { inputs: Tensor; targets: Tensor; weights: Tensor; positionIds?: Tensor } {
  const n = split.labels.length;
  const rows = Array.from({ length: size }, () => {
    const i = rng.int(n);
    const codes = split.codes.subarray(i * split.perImage, (i + 1) * split.perImage);
    const words = randomCaption(split.labels[i], rng);
    return rng.next() < imageToTextFraction
      ? imageToText(vocab, codes, words)
      : textToImage(vocab, words, codes);
  });
  const length = Math.max(...rows.map((r) => r.length)) - 1;
  const inputs: number[] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  const positions: number[] = [];
  for (const r of rows) {
    const captionFrom = r[0] === vocab.beginImage ? r.indexOf(vocab.endImage) + 1 : r.length;
    const row = Array.from({ length }, (_, t) => (t < r.length - 1 ? r[t] : vocab.endOfText));
    for (let t = 0; t < length; t++) {
      inputs.push(row[t]);
      targets.push(t + 1 < r.length ? r[t + 1] : IGNORE);
      weights.push(t + 1 >= r.length ? 0 : t + 1 >= captionFrom ? captionWeight : 1);
      if (positionOf) positions.push(positionOf(row, t));
    }
  }
  return {
    inputs: tensor(inputs, [size, length], { dtype: 'i32', context }),
    targets: tensor(targets, [size * length], { dtype: 'i32', context }),
    weights: tensor(weights, [size * length], { context }),
    positionIds: positionOf ? tensor(positions, [size, length], { dtype: 'i32', context }) : undefined,
  };
}

export interface StepRecord {
  loss: number;
  /** Largest |q·k|/√d over heads, positions and layers. */
  maxAttentionLogit: number;
  /** Mean over positions of logsumexp of the output logits (log Z). */
  meanLogZ: number;
}

export interface FusionTrainOptions {
  config: DecoderConfig;
  steps: number;
  batchSize: number;
  lr: number;
  /** z-loss coefficient (0: none). */
  zLoss: number;
  /** Cosine schedule with 5% warmup, or a constant rate (the stability study). */
  schedule: 'cosine' | 'constant';
  /** Loss weight of the caption tokens of image → caption sequences (default 1). */
  captionWeight?: number;
  /** Fraction of image → caption sequences in a batch (default ½). */
  imageToTextFraction?: number;
  /** Warmup steps as a fraction of all steps (default 0.05). */
  warmup?: number;
  seed: number;
  context: Context;
  /** Learned-position ids of the tokens (a decoder with `maxLength`), e.g. `imageBlockPositions`. */
  positionOf?: PositionOf;
  /** Record the largest attention logit every step (costs one extra q·kᵀ per layer). */
  recordAttention?: boolean;
  onProgress?: (step: number, total: number, record: StepRecord) => void;
}

/** Trains the decoder on mixed caption → image and image → caption sequences. */
export function trainFusion(
  vocab: FusionVocab,
  train: CodedSplit,
  o: FusionTrainOptions,
): { model: Decoder; records: StepRecord[]; seconds: number } {
  const { context } = o;
  manualSeed(o.seed, context);
  const model = new Decoder(o.config, { context });
  const params = model.parameters();
  const optimizer = new AdamW(
    [
      { params: params.filter((p) => p.rank > 1) },
      { params: params.filter((p) => p.rank <= 1), weightDecay: 0 },
    ],
    { lr: o.lr, weightDecay: 0.01 },
  );
  const schedule =
    o.schedule === 'cosine'
      ? new CosineWithWarmup(optimizer, {
          warmupSteps: Math.ceil(o.steps * (o.warmup ?? 0.05)),
          totalSteps: o.steps,
        })
      : undefined;
  const rng = new Rng(o.seed + 1);
  const records: StepRecord[] = [];
  const start = performance.now();
  for (let step = 1; step <= o.steps; step++) {
    const record = tidy(() => {
      const { inputs, targets, weights, positionIds } = batchOf(
        vocab,
        train,
        o.batchSize,
        rng,
        context,
        o.captionWeight,
        o.imageToTextFraction,
        o.positionOf,
      );
      let maxAttentionLogit = Number.NaN;
      const observe = o.recordAttention
        ? (q: Tensor, k: Tensor) => {
            const m =
              noGrad(() => q.matmul(k.transpose(2, 3)).abs().max().itemSync(), context) /
              Math.sqrt(q.shape[3]);
            maxAttentionLogit = Number.isNaN(maxAttentionLogit) ? m : Math.max(maxAttentionLogit, m);
          }
        : undefined;
      const logits = model.forward(inputs, { observe, positionIds }).reshape([-1, vocab.size]);
      const perToken = crossEntropy(logits, targets, { ignoreIndex: IGNORE, reduction: 'none' });
      // The reported loss is the plain mean next-token NLL; the trained one weighs the captions.
      const ce = perToken.sum().div(weights.gt(0).cast('f32').sum());
      const weighted = perToken.mul(weights).sum().div(weights.sum());
      const loss = o.zLoss > 0 ? weighted.add(zLoss(logits, o.zLoss)) : weighted;
      backward(loss);
      const meanLogZ = noGrad(() => logits.logsumexp(-1).mean().itemSync(), context);
      return { loss: ce.itemSync(), maxAttentionLogit, meanLogZ };
    }, context);
    optimizer.step();
    optimizer.zeroGrad();
    schedule?.step();
    records.push(record);
    o.onProgress?.(step, o.steps, record);
  }
  optimizer.dispose();
  model.eval();
  return { model, records, seconds: (performance.now() - start) / 1000 };
}

/**
 * Image → text: for each image, the prompt [BOI, codes…, EOI], greedy decoding up to the
 * end-of-text token; the caption is right when the only digit word in it is the label.
 */
export function captionAccuracy(
  model: Decoder,
  vocab: FusionVocab,
  split: CodedSplit,
  { batch = 250, positionOf }: { batch?: number; positionOf?: PositionOf } = {},
): { accuracy: number; examples: { label: number; caption: string }[] } {
  const n = split.labels.length;
  let right = 0;
  const examples: { label: number; caption: string }[] = [];
  for (let from = 0; from < n; from += batch) {
    const prompts = Array.from({ length: Math.min(batch, n - from) }, (_, j) =>
      vocab.encodeImage(split.codes.subarray((from + j) * split.perImage, (from + j + 1) * split.perImage)),
    );
    const longest = Math.max(...TEMPLATES.map((t) => t.length)) + 1;
    const outputs = generate(model, prompts, {
      maxNewTokens: longest,
      stopToken: vocab.endOfText,
      positionOf,
    });
    outputs.forEach((tokens, j) => {
      const label = split.labels[from + j];
      const words = tokens
        .filter((t) => t !== vocab.endOfText)
        .map((t) => (vocab.isText(t) ? vocab.words[t] : `<${t}>`));
      if (vocab.digitOf(words) === label) right++;
      if (examples.length < 10) examples.push({ label, caption: words.join(' ') });
    });
  }
  return { accuracy: right / n, examples };
}

/**
 * Text → image: `perClass` image token grids per digit, each from a caption of that digit (the
 * templates in turn) and begin-of-image, sampled at `temperature` with `topK`, with
 * classifier-free guidance `guidance` (1: the conditional model as it is; otherwise against the
 * unconditional prompt, begin-of-image alone, which the image → caption sequences train). Tokens
 * that are not image codes (the model's mistakes) are counted and replaced by code 0.
 */
export function generateImages(
  model: Decoder,
  vocab: FusionVocab,
  perImage: number,
  perClass: number,
  o: { temperature: number; topK: number; guidance?: number; seed: number; positionOf?: PositionOf },
): { digits: number[]; codes: number[][]; invalid: number } {
  const digits: number[] = [];
  const prompts: number[][] = [];
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < perClass; i++) {
      digits.push(d);
      prompts.push([...vocab.encodeText(caption(d, i % TEMPLATES.length)), vocab.beginImage]);
    }
  }
  const rng = new Rng(o.seed);
  const sampling = {
    maxNewTokens: perImage,
    temperature: o.temperature,
    topK: o.topK,
    rng,
    positionOf: o.positionOf,
  };
  const scale = o.guidance ?? 1;
  const guidance = scale === 1 ? undefined : { unconditional: prompts.map(() => [vocab.beginImage]), scale };
  const outputs = generate(model, prompts, { ...sampling, guidance });
  let invalid = 0;
  const codes = outputs.map((tokens) =>
    tokens.map((t) => {
      if (vocab.isImageCode(t)) return t - vocab.imageOffset;
      invalid++;
      return 0;
    }),
  );
  return { digits, codes, invalid };
}
