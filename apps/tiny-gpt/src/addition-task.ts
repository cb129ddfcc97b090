import type { Rng } from '@tessera/core/rng';

/**
 * The synthetic corpus: additions of two n-digit numbers, written with zero padding and the sum
 * reversed (least significant digit first), e.g. for n = 3:
 *
 *   "047+385=234"   (47 + 385 = 432, answer digits reversed, n + 1 of them)
 *
 * Reversing the answer lets a left-to-right model emit each digit right after the digits and
 * carry it depends on. Fixed widths give every problem the same length, so a batch needs no
 * padding and decoding can run a whole batch in lockstep.
 */
export const VOCAB = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '='] as const;
export const PLUS = 10;
export const EQUALS = 11;

export interface Problem {
  a: number;
  b: number;
}

export class AdditionTask {
  /** Tokens before the answer: n digits, '+', n digits, '='. */
  readonly promptLength: number;
  /** Answer digits (n + 1). */
  readonly answerLength: number;
  readonly sequenceLength: number;
  private readonly heldOut: Set<number>;

  constructor(
    readonly digits: number,
    /** Problems kept out of training and used to measure exact-match accuracy. */
    readonly testProblems: readonly Problem[],
  ) {
    this.promptLength = 2 * digits + 2;
    this.answerLength = digits + 1;
    this.sequenceLength = this.promptLength + this.answerLength;
    this.heldOut = new Set(testProblems.map((p) => this.key(p)));
  }

  /** A task with `testCount` held-out problems drawn from `rng`. */
  static create(digits: number, testCount: number, rng: Rng): AdditionTask {
    const limit = 10 ** digits;
    const seen = new Set<number>();
    const test: Problem[] = [];
    while (test.length < Math.min(testCount, (limit * limit) / 2)) {
      const p = { a: rng.int(limit), b: rng.int(limit) };
      const key = p.a * limit + p.b;
      if (seen.has(key)) continue;
      seen.add(key);
      test.push(p);
    }
    return new AdditionTask(digits, test);
  }

  private key(p: Problem): number {
    return p.a * 10 ** this.digits + p.b;
  }

  isHeldOut(p: Problem): boolean {
    return this.heldOut.has(this.key(p));
  }

  /** A training problem (never a held-out one). */
  sample(rng: Rng): Problem {
    const limit = 10 ** this.digits;
    for (;;) {
      const p = { a: rng.int(limit), b: rng.int(limit) };
      if (!this.isHeldOut(p)) return p;
    }
  }

  prompt(p: Problem): number[] {
    return [...this.number(p.a, this.digits), PLUS, ...this.number(p.b, this.digits), EQUALS];
  }

  /** The answer digits, least significant first. */
  answer(p: Problem): number[] {
    return this.number(p.a + p.b, this.answerLength).reverse();
  }

  encode(p: Problem): number[] {
    return [...this.prompt(p), ...this.answer(p)];
  }

  /** The sum the answer digits spell (inverse of `answer`), or NaN if a token is not a digit. */
  decodeAnswer(tokens: readonly number[]): number {
    if (tokens.some((t) => t > 9)) return Number.NaN;
    return tokens.reduceRight((acc, t) => acc * 10 + t, 0);
  }

  text(tokens: readonly number[]): string {
    return tokens.map((t) => VOCAB[t]).join('');
  }

  private number(x: number, width: number): number[] {
    return String(x).padStart(width, '0').split('').map(Number);
  }
}
