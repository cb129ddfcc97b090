import type { Context } from '@tessera/core';
import { Decoder, type DecoderConfig, generateAsync } from '@tessera/transformer';
import { ANSWER_LENGTH, PROMPT_LENGTH, type Problem, promptTokens, VOCAB } from './noisy-additions.js';

export interface ModelSize {
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
}

/**
 * The decoder for the addition vocabulary: rotary positions inside attention plus learned absolute
 * positions for the nine tokens (with rotary alone, fine-tuning can sit on a loss plateau for
 * hundreds of steps, as apps/tiny-gpt found), untied head.
 */
export function decoderConfig(size: ModelSize): DecoderConfig {
  return { vocab: VOCAB.length, ...size, maxLength: PROMPT_LENGTH + ANSWER_LENGTH };
}

/** A fresh decoder (its initialization draws from the context's seeded generator). */
export function makeDecoder(size: ModelSize, context: Context): Decoder {
  return new Decoder(decoderConfig(size), { context });
}

export interface AnswerOptions {
  /** 0: greedy; above 0: sampled at this temperature. */
  temperature?: number;
  /** Seed of the sampling. */
  seed?: number;
  /** Prompts per generation batch (default 500). */
  batch?: number;
}

/** The model's answer tokens to each problem (greedy unless a temperature is given). */
export async function answer(
  model: Decoder,
  problems: readonly Problem[],
  options: AnswerOptions = {},
): Promise<number[][]> {
  const batch = options.batch ?? 500;
  const out: number[][] = [];
  for (let i = 0; i < problems.length; i += batch) {
    const prompts = problems.slice(i, i + batch).map(promptTokens);
    out.push(
      ...(await generateAsync(model, prompts, {
        maxNewTokens: ANSWER_LENGTH,
        temperature: options.temperature ?? 0,
        seed: (options.seed ?? 0) + i,
      })),
    );
  }
  return out;
}
