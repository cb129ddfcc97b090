import type { Rng } from '@tessera/core/rng';
import type { PreferencePair } from '@tessera/preference';
import type { Decoder } from '@tessera/transformer';
import { answer } from './model.js';
import {
  answerTokens,
  droppedCarry,
  type NoisyAdditions,
  promptTokens,
  readAnswer,
} from './noisy-additions.js';

export interface OwnMistakes {
  pairs: PreferencePair[];
  /** Training prompts sampled. */
  sampled: number;
  /** How many of the model's samples were wrong (each became a pair). */
  wrong: number;
  /** How many of those wrong samples were the dropped carry. */
  droppedCarry: number;
}

/**
 * Preference pairs from the model's own mistakes: it answers `prompts` distinct training problems
 * (never a held-out one) at `temperature`, and every wrong answer becomes a pair with the correct
 * answer as the chosen response and the model's answer as the rejected one.
 */
export async function ownMistakePairs(
  model: Decoder,
  task: NoisyAdditions,
  options: { prompts: number; temperature: number; rng: Rng },
): Promise<OwnMistakes> {
  const problems = options.rng
    .permutation(task.train.length)
    .slice(0, options.prompts)
    .map((i) => task.train[i]);
  const samples = await answer(model, problems, {
    temperature: options.temperature,
    seed: options.rng.int(2 ** 31),
  });
  const pairs: PreferencePair[] = [];
  let dropped = 0;
  problems.forEach((p, i) => {
    const value = readAnswer(samples[i]);
    if (value === p.a + p.b) return;
    if (value === droppedCarry(p)) dropped++;
    pairs.push({ prompt: promptTokens(p), chosen: answerTokens(p.a + p.b), rejected: samples[i] });
  });
  return { pairs, sampled: problems.length, wrong: pairs.length, droppedCarry: dropped };
}
