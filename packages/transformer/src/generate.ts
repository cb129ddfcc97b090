import { KVCache } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import { type Tensor, TesseraError, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import type { Decoder } from './decoder.js';

export interface SampleOptions {
  /** 0 or undefined: greedy (the most likely token). Above 0: sample from softmax(logits / temperature). */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  /**
   * Nucleus sampling: only the most likely tokens whose probabilities (after temperature and
   * top-k) first reach p in total, in (0, 1].
   */
  topP?: number;
}

export interface GenerateOptions extends SampleOptions {
  /** Tokens to generate per prompt. */
  maxNewTokens: number;
  /** Seed of the sampling generator (default 0); ignored when `rng` is given. */
  seed?: number;
  /** The sampling generator, e.g. one a program already uses (rows draw from it in order). */
  rng?: Rng;
  /** A row that generates this token stops (the token is kept); generation ends when every row has. */
  stopToken?: number;
  /** Classifier-free guidance: sample each prompt's tokens from guided logits (see `Guidance`). */
  guidance?: Guidance;
  /**
   * The learned-position id of the token at `index` of a row (the row's prompt followed by what it
   * has generated so far, `row[index]` being that token), for a decoder with `maxLength` trained
   * on ids other than the token's index, e.g. ids that restart inside an image block. Default:
   * the index. Ignored by a decoder without learned positions.
   */
  positionOf?: (row: readonly number[], index: number) => number;
}

/**
 * Classifier-free guidance (Ho & Salimans 2022; Chameleon's image generation): prompt i runs beside
 * `unconditional[i]` as two rows of the same batch, and each step samples from
 * l_u + scale·(l_c − l_u) (0: the unconditional model, 1: the conditional one); the drawn token
 * continues both rows.
 */
export interface Guidance {
  /** One unconditional prompt per prompt. */
  unconditional: readonly (readonly number[])[];
  /** The guidance scale s. */
  scale: number;
  /** Sees each step's guided logits, one row per prompt (for tests and diagnostics). */
  onLogits?: (step: number, rows: Float64Array[]) => void;
}

/**
 * The tokens sampling may pick from a row of logits: every index when greedy or unrestricted,
 * else the top-k by logit (ties to the lower index), then the shortest prefix of those by
 * probability whose mass reaches top-p. Sorted most likely first, with their renormalized probabilities.
 */
export function allowedTokens(
  logits: ArrayLike<number>,
  options: SampleOptions = {},
): { tokens: number[]; probs: number[] } {
  const t = options.temperature ?? 0;
  if (!(t >= 0)) throw new TesseraError('sampleToken', `temperature must be ≥ 0, got ${t}`);
  const { topK, topP } = options;
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    throw new TesseraError('sampleToken', `topK must be a positive integer, got ${topK}`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) {
    throw new TesseraError('sampleToken', `topP must be in (0, 1], got ${topP}`);
  }
  const order = Array.from({ length: logits.length }, (_, i) => i).sort(
    (a, b) => logits[b] - logits[a] || a - b,
  );
  if (t === 0) return { tokens: [order[0]], probs: [1] };
  let tokens = order.slice(0, topK ?? order.length);
  const top = logits[tokens[0]];
  let weights = tokens.map((i) => Math.exp((logits[i] - top) / t));
  let total = weights.reduce((a, w) => a + w, 0);
  if (topP !== undefined && topP < 1) {
    let acc = 0;
    let n = 0;
    while (n < tokens.length && acc < topP * total) acc += weights[n++];
    tokens = tokens.slice(0, Math.max(1, n));
    weights = weights.slice(0, tokens.length);
    total = weights.reduce((a, w) => a + w, 0);
  }
  return { tokens, probs: weights.map((w) => w / total) };
}

/** Picks one token from a row of logits: greedy at temperature 0, else a draw from `rng` among `allowedTokens`. */
export function sampleToken(logits: ArrayLike<number>, options: SampleOptions, rng: Rng): number {
  const { tokens, probs } = allowedTokens(logits, options);
  return tokens.length === 1 ? tokens[0] : tokens[rng.categorical(probs)];
}

/**
 * The decoding loop, independent of how logits are read: yields each step's last-position logits
 * [b, vocab] and receives their values (it disposes the tensor, and its cache when returned early).
 *
 * Prompts of different lengths are left-padded to the longest: a bool mask hides the padding
 * keys, learned positions count from each row's first real token, and rotary positions (relative)
 * need no shift. Rows then decode in lockstep over one KV cache.
 */
function* decode(
  model: Decoder,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): Generator<Tensor, number[][], ArrayLike<number>> {
  const { maxNewTokens, stopToken } = options;
  if (!(Number.isInteger(maxNewTokens) && maxNewTokens >= 0)) {
    throw new TesseraError('generate', `maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  }
  const guidance = options.guidance;
  if (guidance && guidance.unconditional.length !== prompts.length) {
    throw new TesseraError(
      'generate',
      `${prompts.length} prompts but ${guidance.unconditional.length} unconditional prompts; give one per prompt`,
    );
  }
  if (guidance && !Number.isFinite(guidance.scale)) {
    throw new TesseraError('generate', `guidance must be a finite number, got ${guidance.scale}`);
  }
  const vocab = model.config.vocab;
  const rows = guidance ? [...prompts, ...guidance.unconditional] : prompts;
  rows.forEach((p, r) => {
    const i = r < prompts.length ? `prompt ${r}` : `unconditional prompt ${r - prompts.length}`;
    if (p.length === 0) throw new TesseraError('generate', `${i} is empty; every prompt needs a token`);
    const bad = p.find((t) => !(Number.isInteger(t) && t >= 0 && t < vocab));
    if (bad !== undefined)
      throw new TesseraError('generate', `${i} has token ${bad} outside the vocabulary [0, ${vocab})`);
  });
  const b = rows.length;
  const out = prompts.map(() => [] as number[]);
  if (b === 0 || maxNewTokens === 0) return out;
  const width = Math.max(...rows.map((p) => p.length));
  const maxLength = model.config.maxLength;
  const positionOf = model.positionEmbedding ? options.positionOf : undefined;
  // With positionOf, ids need not grow with the index: idOf checks each one against maxLength.
  if (maxLength && !positionOf && width + maxNewTokens - 1 > maxLength) {
    throw new TesseraError(
      'generate',
      `a prompt of ${width} tokens plus ${maxNewTokens} new ones needs ${width + maxNewTokens - 1} learned positions; the decoder has maxLength ${maxLength}`,
    );
  }
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const pad = rows.map((p) => width - p.length);
  const padded = pad.some((n) => n > 0);
  const ctx = model.tokenEmbedding.weight.ctx;
  const device = model.tokenEmbedding.weight.device;
  const cache = new KVCache(model.config.layers);
  const done = prompts.map(() => false);
  // Each row's tokens so far (prompt, then what it generated), for positionOf.
  const seqs = positionOf ? rows.map((p) => [...p]) : [];
  const limit = model.positionEmbedding?.numEmbeddings ?? 0;
  const idOf = (r: number, index: number): number => {
    if (!positionOf) return index;
    const id = positionOf(seqs[r], index);
    if (!(Number.isInteger(id) && id >= 0 && id < limit)) {
      throw new TesseraError(
        'generate',
        `positionOf gave ${id} for token ${index} of row ${r}; learned positions are 0 … ${limit - 1} (maxLength ${limit})`,
      );
    }
    return id;
  };
  try {
    let input: number[] = rows.flatMap((p, i) => [...new Array<number>(pad[i]).fill(0), ...p]);
    let s = width;
    for (let step = 0; step < maxNewTokens; step++) {
      const start = cache.length;
      const logits = noGrad(
        () =>
          tidy(() => {
            const o = { context: ctx, device };
            const tokens = tensor(input, [b, s], { ...o, dtype: 'i32' });
            const total = start + s;
            // Learned positions count from each row's first real token (padding takes id 0).
            const positionIds =
              model.positionEmbedding && (padded || positionOf)
                ? tensor(
                    pad.flatMap((n, r) =>
                      Array.from({ length: s }, (_, i) => (start + i < n ? 0 : idOf(r, start + i - n))),
                    ),
                    [b, s],
                    { ...o, dtype: 'i32' },
                  )
                : undefined;
            const call = padded
              ? {
                  cache,
                  // Keys before a row's first real token are hidden from every query.
                  mask: tensor(
                    pad.flatMap((n) => Array.from({ length: total }, (_, j) => (j >= n ? 1 : 0))),
                    [b, 1, 1, total],
                    { ...o, dtype: 'bool' },
                  ),
                  positionIds,
                }
              : { cache, positionIds };
            const all = model.forward(tokens, call);
            return all.slice(1, s - 1, s).contiguous();
          }, ctx),
        ctx,
      );
      let values: Float64Array;
      try {
        values = Float64Array.from(yield logits);
      } finally {
        logits.dispose();
      }
      const row = (i: number) => values.subarray(i * vocab, (i + 1) * vocab);
      const n = out.length;
      const guided = guidance
        ? out.map((_, i) => {
            const c = row(i);
            return row(n + i).map((u, k) => u + guidance.scale * (c[k] - u));
          })
        : undefined;
      if (guided) guidance?.onLogits?.(step, guided);
      const next = out.map((seq, i) => {
        if (done[i]) return 0;
        const token = sampleToken(guided ? guided[i] : row(i), options, rng);
        seq.push(token);
        if (token === stopToken) done[i] = true;
        return token;
      });
      input = guidance ? [...next, ...next] : next;
      for (const [r, seq] of seqs.entries()) seq.push(input[r]);
      s = 1;
      if (done.every(Boolean)) break;
    }
  } finally {
    cache.dispose();
  }
  return out;
}

/**
 * Continues each prompt by up to `maxNewTokens` tokens with the KV cache (the prompts run once;
 * each later step feeds only the new tokens): greedy when `temperature` is 0 or undefined, else
 * sampled with temperature, top-k and top-p. Prompts may differ in length. Returns the new
 * tokens of each prompt. Reads logits with `dataSync`, so the model must be on the CPU; use
 * `generateAsync` on any device.
 */
export function generate(
  model: Decoder,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): number[][] {
  const loop = decode(model, prompts, options);
  let next = loop.next();
  try {
    while (!next.done) next = loop.next(next.value.dataSync() as ArrayLike<number>);
    return next.value;
  } finally {
    if (!next.done) loop.return([]); // a read threw: free the logits and the cache
  }
}

/** `generate` on any device: each step's logits are read asynchronously (on WebGPU, one map per token). */
export async function generateAsync(
  model: Decoder,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): Promise<number[][]> {
  const loop = decode(model, prompts, options);
  let next = loop.next();
  try {
    while (!next.done) next = loop.next((await next.value.data()) as ArrayLike<number>);
    return next.value;
  } finally {
    if (!next.done) loop.return([]);
  }
}
