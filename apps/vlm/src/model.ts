import { type Context, concat, type Tensor, tensor } from '@tessera/core';
import { moeFeedForward } from '@tessera/moe';
import { crossEntropy, Module, type ModuleOptions } from '@tessera/nn';
import { Decoder } from '@tessera/transformer';
import { mergedGrid, type PatchGrid, patchGrid, VisionTower } from '@tessera/vision';
import { type Example, WORDS } from './scenes.js';

/** Special tokens first, then the task's words. */
export const PAD = 0;
/** Placeholder of one projected image token; replaced by the projector's output. */
export const IMAGE = 1;
/** Ends each row of image tokens (the "image newline" of Fuyu and LLaVA-NeXT), so the row length is visible. */
export const ROW_END = 2;
export const VOCAB: readonly string[] = ['<pad>', '<image>', '<row>', ...WORDS];
const ID = new Map(VOCAB.map((w, i) => [w, i]));
export const tokenId = (w: string): number => {
  const id = ID.get(w);
  if (id === undefined) throw new Error(`vlm: '${w}' is not in the vocabulary`);
  return id;
};

export interface VlmConfig {
  patch: number;
  vitDim: number;
  vitLayers: number;
  vitHeads: number;
  dim: number;
  layers: number;
  heads: number;
  experts: number;
  topK: number;
  expertHidden: number;
  sharedExperts: number;
  auxLossCoef: number;
}

export const DEFAULT_CONFIG: VlmConfig = {
  patch: 4,
  vitDim: 64,
  vitLayers: 2,
  vitHeads: 4,
  dim: 64,
  layers: 2,
  heads: 4,
  experts: 4,
  topK: 2,
  expertHidden: 32,
  sharedExperts: 1,
  auxLossCoef: 0.01,
};

/**
 * A batch laid out for the model: per example, the image's merged token grid as rows of <image>
 * placeholders each closed by <row>, then the question words and the answer (training examples may
 * ask more questions after it); padded at the end.
 */
export interface Batch {
  /** Images [3, H, W] in [0, 1], on the model's device. */
  images: Tensor[];
  /** [b, s] i32 inputs (the sequence without its last token). */
  inputs: Tensor;
  /** [b·s] i32 next-token targets; −100 where the target is an image token, a row end or padding. */
  targets: Tensor;
  /** Flat index (row·s + position) of the input position that predicts each example's answer. */
  answerAt: number[];
  answers: number[];
  /** For each <image> input position (flat index), which projected token goes there (image after image). */
  imageSlots: number[];
  imageRows: number[];
  seq: number;
}

/** Token layout of one example: placeholders for a `grid` of merged tokens, question, answer. */
export function layout(grid: PatchGrid, ex: Example, rowTokens: boolean, answerAt?: number[]): number[] {
  const ids: number[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) ids.push(IMAGE);
    if (rowTokens) ids.push(ROW_END);
  }
  // The scored question right after the picture; training examples may ask more after it.
  for (const q of [ex.question, ...(ex.more ?? [])]) {
    for (const w of q.words) ids.push(tokenId(w));
    answerAt?.push(ids.length);
    ids.push(tokenId(q.answer));
  }
  return ids;
}

export function makeBatch(
  examples: readonly Example[],
  config: VlmConfig,
  rowTokens: boolean,
  where: { context: Context; device: string },
  answersOnly = false,
): Batch {
  const o = { context: where.context, device: where.device };
  const answerSets: Set<number>[] = [];
  const seqs = examples.map((ex) => {
    const at: number[] = [];
    const ids = layout(
      mergedGrid(patchGrid(ex.scene.height, ex.scene.width, config.patch)),
      ex,
      rowTokens,
      at,
    );
    answerSets.push(new Set(at));
    return ids;
  });
  const seq = Math.max(...seqs.map((s) => s.length)) - 1;
  const inputs: number[] = [];
  const targets: number[] = [];
  const answerAt: number[] = [];
  const imageRows: number[] = [];
  const imageSlots: number[] = [];
  let feature = 0;
  seqs.forEach((ids, b) => {
    for (let t = 0; t < seq; t++) {
      const x = t < ids.length ? ids[t] : PAD;
      const y = t + 1 < ids.length ? ids[t + 1] : PAD;
      inputs.push(x);
      const text = !(y === PAD || y === IMAGE || y === ROW_END) && t + 1 < ids.length;
      targets.push(text && (!answersOnly || answerSets[b].has(t + 1)) ? y : -100);
      if (x === IMAGE) {
        imageRows.push(b * seq + t);
        imageSlots.push(feature++);
      }
    }
    // The input position just before the scored (first) answer predicts it.
    answerAt.push(b * seq + Math.min(...answerSets[b]) - 1);
  });
  const images = examples.map((ex) => {
    const { width, height, pixels } = ex.scene;
    const chw = new Float32Array(3 * height * width);
    for (let i = 0; i < height * width; i++)
      for (let c = 0; c < 3; c++) chw[c * height * width + i] = pixels[i * 3 + c] / 255;
    return tensor(chw, [3, height, width], o);
  });
  return {
    images,
    inputs: tensor(inputs, [examples.length, seq], { ...o, dtype: 'i32' }),
    targets: tensor(targets, [examples.length * seq], { ...o, dtype: 'i32' }),
    answerAt,
    answers: examples.map((ex) => tokenId(ex.question.answer)),
    imageSlots,
    imageRows,
    seq,
  };
}

/**
 * A Kimi-VL-style model: `NativeViT` encodes the batch's images packed into one sequence at their
 * native resolution, `PixelShuffleProjector` merges 2×2 patches and maps them to the decoder's
 * width, the projected tokens replace the <image> placeholders of the text embeddings, and a
 * decoder whose feed-forward layers are mixtures of experts with a shared expert predicts the text.
 */
export class VisionLanguageModel extends Module {
  readonly tower: VisionTower;
  readonly decoder: Decoder;

  constructor(
    readonly config: VlmConfig,
    options: ModuleOptions = {},
  ) {
    super();
    this.tower = this.register(
      'tower',
      new VisionTower(
        {
          channels: 3,
          patch: config.patch,
          dim: config.vitDim,
          layers: config.vitLayers,
          heads: config.vitHeads,
          baseGrid: { rows: 8, cols: 8 },
          outDim: config.dim,
        },
        options,
      ),
    );
    this.decoder = this.register(
      'decoder',
      new Decoder(
        {
          vocab: VOCAB.length,
          dim: config.dim,
          layers: config.layers,
          heads: config.heads,
          kvHeads: config.heads,
          feedForward: moeFeedForward({
            dim: config.dim,
            experts: config.experts,
            topK: config.topK,
            hidden: config.expertHidden,
            sharedExperts: config.sharedExperts,
            auxLossCoef: config.auxLossCoef,
          }),
        },
        options,
      ),
    );
  }

  /** The decoder's input: text embeddings with each <image> placeholder replaced by its projected image token. */
  splice(batch: Batch): Tensor {
    const { tokens: projected } = this.tower.forward(batch.images);
    const text = this.decoder.embed(batch.inputs);
    const [b, s, dim] = text.shape;
    if (projected.shape[0] !== batch.imageSlots.length) {
      throw new Error(
        `vlm: ${projected.shape[0]} projected image tokens for ${batch.imageSlots.length} placeholders`,
      );
    }
    // One gather from [text rows; image tokens]: placeholder rows read their image token.
    const index = Array.from({ length: b * s }, (_, i) => i);
    batch.imageRows.forEach((row, j) => {
      index[row] = b * s + batch.imageSlots[j];
    });
    const rows = concat([text.reshape([b * s, dim]), projected], 0);
    const at = tensor(index, [b * s], { dtype: 'i32', context: text.ctx, device: text.device });
    return rows.indexSelect(0, at).reshape([b, s, dim]);
  }

  /** Logits [b, s, vocab]. */
  forward(batch: Batch): Tensor {
    return this.decoder.forwardEmbeddings(this.splice(batch));
  }

  /** Mean cross-entropy over the text targets only (image tokens, row ends and padding are ignored). */
  loss(logits: Tensor, batch: Batch): Tensor {
    return crossEntropy(logits.reshape([-1, VOCAB.length]), batch.targets);
  }
}
