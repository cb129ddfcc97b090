import type { Decoder } from '@tessera/transformer';
import { answer } from './model.js';
import { isTrap, type Problem, promptTokens, readAnswer, text } from './noisy-additions.js';

export interface Accuracy {
  /** Exact-match accuracy of greedy answers on every problem given. */
  all: number;
  /** On the trap problems (units digits summing to 13 or more) alone. */
  trap: number;
  /** On the other problems. */
  other: number;
}

/** Greedy exact-match accuracy, overall and split by trap / other problems, with the answers given. */
export async function evaluate(
  model: Decoder,
  problems: readonly Problem[],
): Promise<{ accuracy: Accuracy; answers: number[][] }> {
  const answers = await answer(model, problems);
  const tally = { all: [0, 0], trap: [0, 0], other: [0, 0] };
  problems.forEach((p, i) => {
    const right = readAnswer(answers[i]) === p.a + p.b ? 1 : 0;
    for (const key of ['all', isTrap(p) ? 'trap' : 'other'] as const) {
      tally[key][0] += right;
      tally[key][1]++;
    }
  });
  const rate = ([right, n]: number[]) => (n === 0 ? Number.NaN : right / n);
  return { accuracy: { all: rate(tally.all), trap: rate(tally.trap), other: rate(tally.other) }, answers };
}

/** A decoded answer as a line: "47+85=231 → 132 ✓" (the answer's digits are least significant first). */
export function describeAnswer(problem: Problem, answerTokens: readonly number[]): string {
  const value = readAnswer(answerTokens);
  const mark = value === problem.a + problem.b ? '✓' : `✗ (${problem.a + problem.b})`;
  return `${text(promptTokens(problem))}${text(answerTokens)} → ${Number.isNaN(value) ? '?' : value} ${mark}`;
}
