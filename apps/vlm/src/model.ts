import { type Context, concat, type Tensor, tensor } from '@tessera/core';
import { moeFeedForward } from '@tessera/moe';
import { crossEntropy, Linear, Module, type ModuleOptions, normal } from '@tessera/nn';
import { Decoder } from '@tessera/transformer';
import { mergedGrid, type PatchGrid, patchGrid, VisionTower } from '@tessera/vision';
import { COLOURS, cellLabels, type Example, MAX_CELLS, SHAPES, WORDS } from './scenes.js';

/** Special tokens first, then the task's words. */
export const PAD = 0;
/** Placeholder of one projected image token; replaced by the projector's output. */
export const IMAGE = 1;
/** Ends each row of image tokens (the "image newline" of Fuyu and LLaVA-NeXT), so the row length is visible. */
export const ROW_END = 2;
/** Follows the picture when the question comes first: the position that predicts the answer. */
export const ANSWER = 3;
export const VOCAB: readonly string[] = ['<pad>', '<image>', '<row>', '<answer>', ...WORDS];
const ID = new Map(VOCAB.map((w, i) => [w, i]));
export const tokenId = (w: string): number => {
  const id = ID.get(w);
  if (id === undefined) throw new Error(`vlm: '${w}' is not in the vocabulary`);
  return id;
};
const isSpecial = (id: number) => id === PAD || id === IMAGE || id === ROW_END || id === ANSWER;

/**
 * Where the question goes. 'question-first': one sequence per question, [question, picture,
 * <answer>, answer], so that every image token can see the question (the decoder is causal);
 * 'image-first': one sequence per picture, [picture, question, answer, question, answer, …].
 */
export type Order = 'question-first' | 'image-first';

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
  /**
   * Learned absolute positions of the decoder for this many sequence positions (0: none, 1-D rotary
   * only). They are added to the word embeddings, not to the projected image tokens; with the
   * question first they tell the decoder which word of the question each one is.
   */
  positions: number;
  /**
   * A learned (row, column) signal added to the projected image tokens in the decoder: one vector
   * per merged-grid row and one per column, for grids up to this many rows and columns (0: none;
   * the tokens then carry only the encoder's interpolated positions).
   */
  imagePositions: number;
  /**
   * An ordered (x, y) signal added to the projected image tokens in the decoder: each token's
   * merged-grid column and row, centred and scaled to −1 … 1 across the MAX_CELLS cells of a 48-px
   * side, mapped to the width by a learned linear map, so that "left of" and "above" are linear in
   * the tokens a question word gathers (the learned row and column vectors carry no order until
   * they learn one).
   */
  imageCoords?: boolean;
  /**
   * Weight of an auxiliary loss on the projected image tokens (0: none): two linear heads read the
   * colour and the shape of the object that covers most of each token's cell (or none) from the
   * token, so that every image token learns to carry both — a dense vision objective beside the
   * language-modelling loss, like the supervised pretraining of a vision encoder.
   */
  tokenLoss: number;
  /** The decoder's rotary positions ('1d', the default, or 'none': order from the causal mask only). */
  rotary?: '1d' | 'none';
  /** RMSNorm on the decoder's query and key heads. */
  qkNorm?: boolean;
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
  positions: 0,
  imagePositions: 16,
  imageCoords: true,
  tokenLoss: 1,
};

/** How examples become token sequences. */
export interface LayoutOptions {
  /** A <row> token after each row of image tokens. */
  rowTokens: boolean;
  order: Order;
}

/**
 * A batch laid out for the model: with the order 'question-first', one sequence per question
 * (question words, the picture's merged token grid as rows of <image> placeholders each closed by
 * <row>, <answer>, the answer), every question of a picture reusing that picture's projected tokens;
 * with 'image-first', one sequence per picture (picture, then each question and its answer).
 * Padded at the end.
 */
export interface Batch {
  /** Images [3, H, W] in [0, 1], on the model's device. */
  images: Tensor[];
  /** [rows, s] i32 inputs (each sequence without its last token). */
  inputs: Tensor;
  /** [rows·s] i32 next-token targets; −100 where the target is an image token, a row end, <answer> or padding. */
  targets: Tensor;
  /** Per example, the flat index (row·s + position) of the input position that predicts its scored answer. */
  answerAt: number[];
  answers: number[];
  /** For each <image> input position (flat index), which projected token goes there (image after image). */
  imageSlots: number[];
  imageRows: number[];
  /** Merged-grid row and column of each projected token (image after image, row-major). */
  tokenRow: number[];
  tokenCol: number[];
  /** Per projected token: colour and shape (index + 1, 0: none) of the object covering most of its cell. */
  tokenColour: number[];
  tokenShape: number[];
  seq: number;
}

/** A token sequence and the indices of its answer tokens. */
interface Sequence {
  ids: number[];
  answers: number[];
}

/**
 * Token sequences of one example whose picture has a `grid` of merged tokens: the scored question
 * first, then the training example's further questions (see `Batch` for the two orders).
 */
export function layout(grid: PatchGrid, ex: Example, o: LayoutOptions): Sequence[] {
  const picture: number[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) picture.push(IMAGE);
    if (o.rowTokens) picture.push(ROW_END);
  }
  const questions = [ex.question, ...(ex.more ?? [])];
  if (o.order === 'question-first') {
    return questions.map((q) => {
      const ids = [...q.words.map(tokenId), ...picture, ANSWER, tokenId(q.answer)];
      return { ids, answers: [ids.length - 1] };
    });
  }
  const ids = [...picture];
  const answers: number[] = [];
  for (const q of questions) {
    for (const w of q.words) ids.push(tokenId(w));
    answers.push(ids.length);
    ids.push(tokenId(q.answer));
  }
  return [{ ids, answers }];
}

export function makeBatch(
  examples: readonly Example[],
  config: VlmConfig,
  layoutOptions: LayoutOptions,
  where: { context: Context; device: string },
  answersOnly = false,
): Batch {
  const o = { context: where.context, device: where.device };
  const rows: (Sequence & { example: number; firstFeature: number })[] = [];
  let firstFeature = 0;
  const tokenRow: number[] = [];
  const tokenCol: number[] = [];
  const tokenColour: number[] = [];
  const tokenShape: number[] = [];
  examples.forEach((ex, example) => {
    const grid = mergedGrid(patchGrid(ex.scene.height, ex.scene.width, config.patch));
    const labels = cellLabels(ex.scene, 2 * config.patch);
    tokenColour.push(...labels.colour);
    tokenShape.push(...labels.shape);
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        tokenRow.push(r);
        tokenCol.push(c);
      }
    }
    for (const sequence of layout(grid, ex, layoutOptions)) rows.push({ ...sequence, example, firstFeature });
    firstFeature += grid.rows * grid.cols;
  });
  const seq = Math.max(...rows.map((r) => r.ids.length)) - 1;
  const inputs: number[] = [];
  const targets: number[] = [];
  const answerAt = new Array<number>(examples.length).fill(-1);
  const imageRows: number[] = [];
  const imageSlots: number[] = [];
  rows.forEach(({ ids, answers, example, firstFeature }, row) => {
    const isAnswer = new Set(answers);
    let feature = firstFeature;
    for (let t = 0; t < seq; t++) {
      const x = t < ids.length ? ids[t] : PAD;
      const y = t + 1 < ids.length ? ids[t + 1] : PAD;
      inputs.push(x);
      const text = t + 1 < ids.length && !isSpecial(y);
      targets.push(text && (!answersOnly || isAnswer.has(t + 1)) ? y : -100);
      if (x === IMAGE) {
        imageRows.push(row * seq + t);
        imageSlots.push(feature++);
      }
    }
    // The input position just before the scored (an example's first) answer predicts it.
    if (answerAt[example] < 0) answerAt[example] = row * seq + answers[0] - 1;
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
    inputs: tensor(inputs, [rows.length, seq], { ...o, dtype: 'i32' }),
    targets: tensor(targets, [rows.length * seq], { ...o, dtype: 'i32' }),
    answerAt,
    answers: examples.map((ex) => tokenId(ex.question.answer)),
    imageSlots,
    imageRows,
    tokenRow,
    tokenCol,
    tokenColour,
    tokenShape,
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
  /** [imagePositions, dim] row and column vectors added to the projected tokens (when configured). */
  readonly imageRow: Tensor | undefined;
  readonly imageCol: Tensor | undefined;
  /** Linear(2, dim) from a token's centred (column, row) to the width (when `imageCoords`). */
  readonly imageCoords: Linear | undefined;
  /** Auxiliary heads from a projected token to its cell's colour and shape (when `tokenLoss` > 0). */
  readonly colourHead: Linear | undefined;
  readonly shapeHead: Linear | undefined;

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
          maxLength: config.positions,
          rotary: config.rotary ?? '1d',
          qkNorm: config.qkNorm ?? false,
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
    const o = { context: options.context, device: options.device, dtype: options.dtype };
    const n = config.imagePositions;
    this.imageRow =
      n > 0 ? this.registerParameter('imageRow', normal([n, config.dim], 0, 0.1, o)) : undefined;
    this.imageCol =
      n > 0 ? this.registerParameter('imageCol', normal([n, config.dim], 0, 0.1, o)) : undefined;
    this.imageCoords = config.imageCoords
      ? this.register('imageCoords', new Linear(2, config.dim, { ...options, bias: false }))
      : undefined;
    const aux = config.tokenLoss > 0;
    this.colourHead = aux
      ? this.register('colourHead', new Linear(config.dim, COLOURS.length + 1, options))
      : undefined;
    this.shapeHead = aux
      ? this.register('shapeHead', new Linear(config.dim, SHAPES.length + 1, options))
      : undefined;
  }

  /** The decoder's input: text embeddings with each <image> placeholder replaced by its projected image token. */
  splice(batch: Batch): Tensor {
    return this.spliceTokens(batch, this.tower.forward(batch.images).tokens);
  }

  /** `splice` with the tower's projected tokens [Σ merged, dim] already computed. */
  spliceTokens(batch: Batch, tokens: Tensor): Tensor {
    let projected = tokens;
    if (this.imageRow && this.imageCol) {
      const n = this.imageRow.shape[0];
      const most = Math.max(...batch.tokenRow, ...batch.tokenCol);
      if (most >= n) {
        throw new Error(
          `vlm: a merged image grid of ${most + 1} rows or columns exceeds imagePositions ${n}; raise imagePositions`,
        );
      }
      const where = { dtype: 'i32' as const, context: projected.ctx, device: projected.device };
      const rows = this.imageRow.indexSelect(0, tensor(batch.tokenRow, [batch.tokenRow.length], where));
      const cols = this.imageCol.indexSelect(0, tensor(batch.tokenCol, [batch.tokenCol.length], where));
      projected = projected.add(rows).add(cols);
    }
    if (this.imageCoords) {
      const mid = (MAX_CELLS - 1) / 2;
      const xy = batch.tokenCol.flatMap((c, i) => [(c - mid) / mid, (batch.tokenRow[i] - mid) / mid]);
      const at = { dtype: projected.dtype, context: projected.ctx, device: projected.device };
      projected = projected.add(this.imageCoords.forward(tensor(xy, [batch.tokenCol.length, 2], at)));
    }
    const text = this.decoder.embed(batch.inputs);
    const [b, s, dim] = text.shape;
    const used = new Set(batch.imageSlots).size;
    if (projected.shape[0] !== used) {
      throw new Error(
        `vlm: ${projected.shape[0]} projected image tokens for ${used} distinct placeholder slots`,
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

  /**
   * The training loss: the text cross-entropy plus, when `tokenLoss` > 0, that weight times the
   * mean of the auxiliary colour and shape cross-entropies over the projected image tokens.
   */
  trainingLoss(batch: Batch): Tensor {
    const { tokens } = this.tower.forward(batch.images);
    const text = this.loss(this.decoder.forwardEmbeddings(this.spliceTokens(batch, tokens)), batch);
    if (!this.colourHead || !this.shapeHead) return text;
    const o = { dtype: 'i32' as const, context: tokens.ctx, device: tokens.device };
    const n = batch.tokenColour.length;
    const colour = crossEntropy(this.colourHead.forward(tokens), tensor(batch.tokenColour, [n], o));
    const shape = crossEntropy(this.shapeHead.forward(tokens), tensor(batch.tokenShape, [n], o));
    return text.add(colour.add(shape).mul(this.config.tokenLoss / 2));
  }

  /** Mean cross-entropy over the text targets only (image tokens, row ends and padding are ignored). */
  loss(logits: Tensor, batch: Batch): Tensor {
    return crossEntropy(logits.reshape([-1, VOCAB.length]), batch.targets);
  }
}
