import type { Rng } from '@tessera/core/rng';

/**
 * Two-digit additions written for a left-to-right model: the prompt "ab+cd=" and the sum's three
 * digits least significant first, so each answer digit comes right after what it depends on.
 * 47 + 85 = 132 is "47+85=231".
 */
export const VOCAB = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '='] as const;
const PLUS = 10;
const EQUALS = 11;
export const PROMPT_LENGTH = 6;
export const ANSWER_LENGTH = 3;

export interface Problem {
  a: number;
  b: number;
}

export function promptTokens({ a, b }: Problem): number[] {
  return [Math.floor(a / 10), a % 10, PLUS, Math.floor(b / 10), b % 10, EQUALS];
}

/** The digits of a sum (0–198), least significant first. */
export function answerTokens(sum: number): number[] {
  return [sum % 10, Math.floor(sum / 10) % 10, Math.floor(sum / 100)];
}

/** The sum an answer spells, or NaN when a token is not a digit. */
export function readAnswer(tokens: readonly number[]): number {
  if (tokens.length !== ANSWER_LENGTH || tokens.some((t) => t > 9)) return Number.NaN;
  return tokens[0] + 10 * tokens[1] + 100 * tokens[2];
}

export function text(tokens: readonly number[]): string {
  return tokens.map((t) => VOCAB[t]).join('');
}

/**
 * The trap: problems whose units digits add up to 13 or more (21 of the 100 pairs of units digits).
 * On them the noisy training data often "forgets the carry" out of the units column.
 */
export function isTrap({ a, b }: Problem): boolean {
  return (a % 10) + (b % 10) >= 13;
}

/** The share of all problems that are traps. */
export const TRAP_SHARE = 0.21;

/** The answer with the carry out of the units column dropped: a + b − 10. */
export function droppedCarry({ a, b }: Problem): number {
  return a + b - 10;
}

/**
 * The 10,000 two-digit additions split into a held-out test set and the training problems, and a
 * noisy teacher: a fraction `wrongFraction` of the training answers it gives are wrong, all of them
 * the same mistake on trap problems (the dropped carry), so that a model trained on it learns the
 * mistake wherever the wrong answer is the more frequent one.
 */
export class NoisyAdditions {
  readonly test: Problem[];
  readonly train: Problem[];
  /** How often the teacher drops the carry on a trap problem: wrongFraction / TRAP_SHARE. */
  readonly trapErrorRate: number;

  constructor(
    testCount: number,
    readonly wrongFraction: number,
    rng: Rng,
  ) {
    if (!(wrongFraction >= 0 && wrongFraction <= TRAP_SHARE)) {
      throw new Error(
        `NoisyAdditions: the wrong fraction must be in [0, ${TRAP_SHARE}] (every wrong answer sits on a trap problem, ${TRAP_SHARE * 100}% of all), got ${wrongFraction}`,
      );
    }
    if (!(Number.isInteger(testCount) && testCount > 0 && testCount < 10_000)) {
      throw new Error(`NoisyAdditions: the test set must hold 1–9,999 problems, got ${testCount}`);
    }
    const all = rng.permutation(10_000).map((k) => ({ a: Math.floor(k / 100), b: k % 100 }));
    this.test = all.slice(0, testCount);
    this.train = all.slice(testCount);
    this.trapErrorRate = wrongFraction / TRAP_SHARE;
  }

  /** A training example as the noisy teacher writes it: prompt and answer tokens. */
  example(rng: Rng): { problem: Problem; tokens: number[]; wrong: boolean } {
    const problem = this.train[rng.int(this.train.length)];
    const wrong = isTrap(problem) && rng.next() < this.trapErrorRate;
    const sum = wrong ? droppedCarry(problem) : problem.a + problem.b;
    return { problem, tokens: [...promptTokens(problem), ...answerTokens(sum)], wrong };
  }
}
