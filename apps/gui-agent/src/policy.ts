import { KVCache } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import { type Context, concat, type Tensor, tensor, tidy } from '@tessera/core';
import { Module, type ModuleOptions, normal } from '@tessera/nn';
import { Decoder } from '@tessera/transformer';
import { interpolatePositions, mergedGrid, VisionTower } from '@tessera/vision';
import type { Screenshot } from './env.js';
import { BOS, EOS, encode, PAD, VOCAB } from './tokenizer.js';

export interface PolicyConfig {
  patch: number;
  vitDim: number;
  vitLayers: number;
  vitHeads: number;
  dim: number;
  layers: number;
  heads: number;
  /** Goal tokens, left-padded to this length. */
  goalTokens: number;
  /** Longest response (thought and action), end token included. */
  maxResponse: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  patch: 4,
  vitDim: 48,
  vitLayers: 2,
  vitHeads: 4,
  dim: 64,
  layers: 2,
  heads: 4,
  goalTokens: 12,
  maxResponse: 40,
};

/** The merged token grid of a 64×48 screenshot in 4×4 patches: 6 rows of 8. */
const IMAGE_GRID = { rows: 6, cols: 8 };

/** One model input: what the agent sees (the screenshot and the goal). */
export interface Observation {
  shot: Screenshot;
  goal: string;
}

/** Goal token ids, left-padded with <pad> to `goalTokens`, then <bos>. */
export function promptTokens(goal: string, config: PolicyConfig): number[] {
  const ids = encode(goal);
  if (ids.length > config.goalTokens)
    throw new Error(
      `gui-agent: the goal '${goal}' has ${ids.length} tokens, above goalTokens ${config.goalTokens}`,
    );
  return [...new Array<number>(config.goalTokens - ids.length).fill(PAD), ...ids, BOS];
}

/**
 * Response token ids of a step's text, closed by <eos>. Too long a response is an error, or with
 * `truncate` (the agent's own runaway outputs) cut to `maxResponse` tokens without <eos>.
 */
export function responseTokens(text: string, config: PolicyConfig, truncate = false): number[] {
  const ids = [...encode(text), EOS];
  if (truncate) return ids.slice(0, config.maxResponse);
  if (ids.length > config.maxResponse)
    throw new Error(
      `gui-agent: the response has ${ids.length} tokens, above maxResponse ${config.maxResponse}: ${text}`,
    );
  return ids;
}

/** Screenshot bytes [h, w, 3] → image tensor [3, h, w] in [0, 1]. */
export function imageTensor(shot: Screenshot, where: { context: Context; device?: string }): Tensor {
  const { width, height, rgb } = shot;
  const chw = new Float32Array(3 * height * width);
  for (let i = 0; i < height * width; i++)
    for (let c = 0; c < 3; c++) chw[c * height * width + i] = rgb[i * 3 + c] / 255;
  return tensor(chw, [3, height, width], { context: where.context, device: where.device ?? 'cpu' });
}

/**
 * A small screenshot-to-action model: `NativeViT` encodes the 64×48 screenshot in 4×4 patches,
 * `PixelShuffleProjector` merges 2×2 patches into 8×6 = 48 tokens at the decoder's width, and the
 * `Decoder` reads [image tokens, goal, <bos>] and writes `Thought: … Action: …` then <eos>.
 */
export class GuiPolicy extends Module {
  readonly tower: VisionTower;
  readonly decoder: Decoder;
  /**
   * Learned (row, column) embeddings of the projected image tokens at the decoder's width, from a
   * 6×8 table (bilinearly resampled for other grids; a batch shares one size): the decoder's 1-D positions alone do not tell
   * an image token's place, which the coordinates it writes must come from.
   */
  readonly imagePositions: Tensor;

  constructor(
    readonly config: PolicyConfig,
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
          baseGrid: { rows: 12, cols: 16 },
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
        },
        options,
      ),
    );
    this.imagePositions = this.registerParameter(
      'imagePositions',
      normal([IMAGE_GRID.rows * IMAGE_GRID.cols, config.dim], 0, 0.02, options),
    );
  }

  /** Projected image tokens [b, n, dim] of b same-sized screenshots. */
  imageTokens(images: readonly Tensor[]): Tensor {
    const { tokens: projected, grids } = this.tower.forward(images);
    const grid = mergedGrid(grids[0]);
    const positions = interpolatePositions(this.imagePositions, IMAGE_GRID, grid.rows, grid.cols);
    return projected.reshape([images.length, grid.rows * grid.cols, this.config.dim]).add(positions);
  }

  /**
   * Logits [b, s, vocab] over the text tokens [b, s] (i32) that follow each image: position t
   * predicts text token t + 1 (the image positions' own logits are dropped).
   */
  forward(images: readonly Tensor[], text: Tensor): Tensor {
    const img = this.imageTokens(images);
    const n = img.shape[1];
    const x = concat([img, this.decoder.embed(text)], 1);
    const logits = this.decoder.forwardEmbeddings(x);
    return logits.slice(1, n, logits.shape[1]);
  }

  /**
   * Greedy responses for a batch of observations with the KV cache: the image and prompt run once,
   * then one token per step until every row has written <eos> or `maxResponse` tokens.
   */
  async respond(observations: readonly Observation[], ctx: Context): Promise<number[][]> {
    const b = observations.length;
    const out: number[][] = observations.map(() => []);
    if (b === 0) return out;
    const cache = new KVCache(this.config.layers);
    const done = observations.map(() => false);
    const wasTraining = this.training;
    this.eval();
    try {
      let last: Tensor = noGrad(
        () =>
          tidy(() => {
            const images = observations.map((o) => imageTensor(o.shot, { context: ctx }));
            const prompt = observations.flatMap((o) => promptTokens(o.goal, this.config));
            const text = tensor(prompt, [b, this.config.goalTokens + 1], { dtype: 'i32', context: ctx });
            const x = concat([this.imageTokens(images), this.decoder.embed(text)], 1);
            const logits = this.decoder.forwardEmbeddings(x, { cache });
            const s = logits.shape[1];
            return logits
              .slice(1, s - 1, s)
              .argmax(-1)
              .reshape([b]);
          }, ctx),
        ctx,
      );
      for (let step = 0; step < this.config.maxResponse; step++) {
        const ids = Array.from(await last.data(), Number);
        last.dispose();
        ids.forEach((id, i) => {
          if (done[i]) return;
          out[i].push(id);
          if (id === EOS) done[i] = true;
        });
        if (done.every(Boolean) || step === this.config.maxResponse - 1) break;
        const next = ids.map((id, i) => (done[i] ? PAD : id));
        last = noGrad(
          () =>
            tidy(() => {
              const t = tensor(next, [b, 1], { dtype: 'i32', context: ctx });
              return this.decoder.forward(t, { cache }).reshape([b, -1]).argmax(-1);
            }, ctx),
          ctx,
        );
      }
    } finally {
      cache.dispose();
      if (wasTraining) this.train();
    }
    return out;
  }
}
