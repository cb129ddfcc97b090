import { KVCache } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import { type Context, concat, type Tensor, tensor, tidy } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import type { Action } from '@tessera/gui-agent';
import { Linear, Module, type ModuleOptions, normal } from '@tessera/nn';
import { Decoder, type SampleOptions, sampleToken } from '@tessera/transformer';
import { interpolatePositions, mergedGrid, VisionTower } from '@tessera/vision';
import type { Screenshot } from './env.js';
import { COLOUR_CLASSES } from './perception.js';
import { PointerHead, type TokenGrid } from './pointer.js';
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
  /** Coordinate tokens from a `PointerHead` over the image tokens (false: from the text head alone). */
  pointer: boolean;
  /**
   * Whether the goal modulates the image tokens before the decoder (FiLM: each token ·(1 + γ) + β,
   * γ and β linear in the mean of the goal's token embeddings), so that "is this the colour the
   * goal names" is one bilinear product the pointer can read, not something the decoder's
   * attention has to find first.
   */
  goalFilm: boolean;
  /**
   * Whether the projected image tokens also predict their colour mix (`colourTargets`), the
   * perception head behaviour cloning trains beside the actions (`BcOptions.perception`).
   */
  perception: boolean;
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
  pointer: true,
  goalFilm: true,
  perception: true,
};

/** The merged token grid of a 64×48 screenshot in 4×4 patches: 6 rows of 8. */
const IMAGE_GRID = { rows: 6, cols: 8 };

/** The previous step's action kind (an action type), or `'none'` at an episode's first step. */
export type PreviousAction = Action['type'] | 'none';

/**
 * One model input: what the agent sees (the screenshot and the goal) and the kind of action it
 * took last — the one line of history it keeps (UI-TARS keeps its earlier steps): on this page's
 * screens "the field is focused" or "the dialog is gone" differ by a pale fill or an absence, and
 * the last action says which step comes next.
 */
export interface Observation {
  shot: Screenshot;
  goal: string;
  previous: PreviousAction;
}

/** Prompt tokens before the response: the padded goal, the previous action's kind, and <bos>. */
export const promptLength = (config: PolicyConfig): number => config.goalTokens + 2;

/** Goal token ids, left-padded with <pad> to `goalTokens`, then the previous action's kind (one token), then <bos>. */
export function promptTokens(goal: string, previous: PreviousAction, config: PolicyConfig): number[] {
  const ids = encode(goal);
  if (ids.length > config.goalTokens)
    throw new Error(
      `gui-agent: the goal '${goal}' has ${ids.length} tokens, above goalTokens ${config.goalTokens}`,
    );
  const last = encode(previous);
  if (last.length !== 1)
    throw new Error(`gui-agent: the previous action '${previous}' is not one token of the vocabulary`);
  return [...new Array<number>(config.goalTokens - ids.length).fill(PAD), ...ids, last[0], BOS];
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
 * `Decoder` reads [goal, image tokens, <bos>] and writes `Thought: … Action: …` then <eos>.
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
  /** Goal-mean embedding [dim] → FiLM scale γ and shift β [2·dim] of the image tokens (`config.goalFilm`). */
  readonly film: Tensor | undefined;
  /** Coordinate logits as a pointer over the image tokens (`config.pointer`). */
  readonly pointer: PointerHead | undefined;
  /** Projected image token → logits of its colour mix over the task colours and none (`config.perception`). */
  readonly colourHead: Linear | undefined;

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
    this.film = config.goalFilm
      ? this.registerParameter('film', normal([config.dim, 2 * config.dim], 0, 0.02, options))
      : undefined;
    this.pointer = config.pointer
      ? this.register('pointer', new PointerHead(config.dim, 2 * config.patch, options))
      : undefined;
    this.colourHead = config.perception
      ? this.register('colourHead', new Linear(config.dim, COLOUR_CLASSES, options))
      : undefined;
  }

  /** Projected image tokens [b, n, dim] of b same-sized screenshots, and their grid. */
  private encodeImages(images: readonly Tensor[]): { tokens: Tensor; grid: TokenGrid } {
    const { tokens: projected, grids } = this.tower.forward(images);
    const grid = mergedGrid(grids[0]);
    const positions = interpolatePositions(this.imagePositions, IMAGE_GRID, grid.rows, grid.cols);
    const tokens = projected.reshape([images.length, grid.rows * grid.cols, this.config.dim]).add(positions);
    return { tokens, grid: { ...grid, cell: 2 * this.config.patch } };
  }

  /** Projected image tokens [b, n, dim] of b same-sized screenshots. */
  imageTokens(images: readonly Tensor[]): Tensor {
    return this.encodeImages(images).tokens;
  }

  /**
   * The decoder's input [b, goalTokens + n + rest, dim] for text [b, s] (i32) = [goal, previous
   * action, <bos>, response…]: the goal's embeddings, then the n image tokens, then the rest of the text. The goal
   * comes first so that, under the causal mask, every image token attends to it and can mark itself
   * as what the goal names; the response then only has to find the marked tokens and read their place.
   */
  sequence(images: readonly Tensor[], text: Tensor): { x: Tensor; grid: TokenGrid; projected: Tensor } {
    const g = this.config.goalTokens;
    const s = text.shape[1];
    if (s < promptLength(this.config))
      throw new Error(
        `gui-agent GuiPolicy: the text has ${s} tokens, fewer than the prompt's ${promptLength(this.config)} (goal, previous action, <bos>)`,
      );
    const embedded = this.decoder.embed(text);
    const encoded = this.encodeImages(images);
    const { grid } = encoded;
    let tokens = encoded.tokens;
    if (this.film) {
      const d = this.config.dim;
      const film = embedded
        .slice(1, 0, g)
        .mean(1)
        .matmul(this.film)
        .reshape([text.shape[0], 1, 2 * d]);
      tokens = tokens.mul(film.slice(2, 0, d).add(1)).add(film.slice(2, d, 2 * d));
    }
    return {
      x: concat([embedded.slice(1, 0, g), tokens, embedded.slice(1, g, s)], 1),
      grid,
      projected: encoded.tokens,
    };
  }

  /** Vocabulary logits of text states [b, s, dim], the coordinate tokens' from the pointer over `image` states when there is one. */
  private logits(text: Tensor, image: Tensor, grid: TokenGrid): Tensor {
    const logits = this.decoder.logits(text);
    return this.pointer ? this.pointer.forward(logits, text, image, grid) : logits;
  }

  /**
   * Logits [b, s, vocab] over the text tokens [b, s] (i32) that go with each image: position t
   * predicts text token t + 1 (the image positions have no logits of their own).
   */
  forward(images: readonly Tensor[], text: Tensor): Tensor {
    return this.forwardWithColours(images, text).logits;
  }

  /**
   * `forward`'s logits and, with `config.perception`, the image tokens' colour-mix logits [b, n,
   * COLOUR_CLASSES] from the same pass (what behaviour cloning's perception loss reads).
   */
  forwardWithColours(images: readonly Tensor[], text: Tensor): { logits: Tensor; colours?: Tensor } {
    const g = this.config.goalTokens;
    const { x, grid, projected } = this.sequence(images, text);
    const h = this.decoder.hiddenStates(x);
    const n = grid.rows * grid.cols;
    const textStates = concat([h.slice(1, 0, g), h.slice(1, g + n, h.shape[1])], 1);
    const logits = this.logits(textStates, h.slice(1, g, g + n), grid);
    return { logits, colours: this.colourHead?.forward(projected) };
  }

  /** The decoder's states [b, n, dim] at the image positions for text [b, s] (the goal first): what a test reads to see whom image tokens attend to. */
  imageStates(images: readonly Tensor[], text: Tensor): Tensor {
    const { x, grid } = this.sequence(images, text);
    const g = this.config.goalTokens;
    return this.decoder.hiddenStates(x).slice(1, g, g + grid.rows * grid.cols);
  }

  /**
   * Responses for a batch of observations with the KV cache: the image and prompt run once, then
   * one token per step until every row has written <eos> or `maxResponse` tokens. Greedy unless
   * `sampling` gives a temperature above 0 (then each token is drawn by `sampleToken` from
   * `sampling.rng`, with its top-k and top-p).
   */
  async respond(
    observations: readonly Observation[],
    ctx: Context,
    sampling?: SampleOptions & { rng: Rng },
  ): Promise<number[][]> {
    const b = observations.length;
    const out: number[][] = observations.map(() => []);
    if (b === 0) return out;
    const cache = new KVCache(this.config.layers);
    const done = observations.map(() => false);
    const wasTraining = this.training;
    this.eval();
    let grid: TokenGrid = { rows: 0, cols: 0, cell: 0 };
    let imageStates: Tensor | undefined;
    // Greedy picks the ids on the backend; sampling reads each row's logits [b, vocab] back and draws.
    const sample = sampling !== undefined && (sampling.temperature ?? 0) > 0;
    const pick = (logits: Tensor): Tensor => (sample ? logits : logits.argmax(-1));
    const readIds = async (t: Tensor): Promise<number[]> => {
      const data = await t.data();
      if (!sample) return Array.from(data, Number);
      const v = t.shape[1];
      return Array.from({ length: b }, (_, i) =>
        sampleToken(data.subarray(i * v, (i + 1) * v), sampling, sampling.rng),
      );
    };
    try {
      const [first, image] = noGrad(
        () =>
          tidy(() => {
            const images = observations.map((o) => imageTensor(o.shot, { context: ctx }));
            const prompt = observations.flatMap((o) => promptTokens(o.goal, o.previous, this.config));
            const text = tensor(prompt, [b, promptLength(this.config)], { dtype: 'i32', context: ctx });
            const { x, grid: g } = this.sequence(images, text);
            grid = g;
            const h = this.decoder.hiddenStates(x, { cache });
            const s = h.shape[1];
            const gt = this.config.goalTokens;
            const image = h.slice(1, gt, gt + g.rows * g.cols);
            return [pick(this.logits(h.slice(1, s - 1, s), image, g).reshape([b, -1])), image];
          }, ctx),
        ctx,
      );
      imageStates = image;
      let last: Tensor = first;
      for (let step = 0; step < this.config.maxResponse; step++) {
        const ids = await readIds(last);
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
              const h = this.decoder.hiddenStates(this.decoder.embed(t, { cache }), { cache });
              return pick(this.logits(h, image, grid).reshape([b, -1]));
            }, ctx),
          ctx,
        );
      }
    } finally {
      imageStates?.dispose();
      cache.dispose();
      if (wasTraining) this.train();
    }
    return out;
  }
}
