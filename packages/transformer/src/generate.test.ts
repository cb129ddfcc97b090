import { createContext, manualSeed, memory, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { Decoder, type DecoderConfig } from './decoder.js';
import { allowedTokens, generate, generateAsync, sampleToken } from './generate.js';

const config: DecoderConfig = {
  vocab: 13,
  dim: 16,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  maxLength: 24,
  qkNorm: true,
};

function model(seed: number, overrides: Partial<DecoderConfig> = {}) {
  const context = createContext();
  manualSeed(seed, context);
  return { context, model: new Decoder({ ...config, ...overrides }, { context }) };
}

/**
 * Greedy continuation by recomputing the whole sequence every step (no cache, no batching), with
 * learned-position ids from `positionOf` when given.
 */
function greedyByRecomputation(
  m: Decoder,
  prompt: number[],
  steps: number,
  positionOf?: (row: readonly number[], index: number) => number,
): number[] {
  const ctx = m.tokenEmbedding.weight.ctx;
  const seq = [...prompt];
  for (let i = 0; i < steps; i++) {
    const last = tidy(() => {
      const o = { dtype: 'i32', context: ctx } as const;
      const positionIds = positionOf
        ? tensor(
            seq.map((_, j) => positionOf(seq, j)),
            [1, seq.length],
            o,
          )
        : undefined;
      const logits = m.forward(tensor(seq, [1, seq.length], o), { positionIds });
      return Array.from(
        logits
          .slice(1, seq.length - 1, seq.length)
          .contiguous()
          .dataSync() as Float32Array,
      );
    }, ctx);
    seq.push(last.indexOf(Math.max(...last)));
  }
  return seq.slice(prompt.length);
}

describe('generate', () => {
  const prompts = [[1, 2, 3], [4, 5, 6, 7, 8, 9], [10], [11, 12, 0, 1]];

  for (const [name, overrides] of [
    ['learned + rotary positions', {}],
    ['rotary only, post-norm', { maxLength: 0, normPlacement: 'post' }],
  ] as const) {
    it(`batched prompts of different lengths give each prompt's own greedy tokens (${name})`, () => {
      const { context, model: m } = model(7, overrides);
      const before = memory(context).tensors;
      const batched = generate(m, prompts, { maxNewTokens: 6 });
      expect(memory(context).tensors).toBe(before);
      const single = prompts.map((p) => generate(m, [p], { maxNewTokens: 6 })[0]);
      expect(batched).toEqual(single);
      // And both are what recomputing the full sequence each step picks.
      expect(single).toEqual(prompts.map((p) => greedyByRecomputation(m, p, 6)));
      // Not a degenerate model that always says the same thing.
      expect(new Set(batched.flat()).size).toBeGreaterThan(2);
    });
  }

  it('positionOf gives each token its learned-position id, as a full forward with those ids does', () => {
    // Ids restart after every token 0 (as an image block restarts them), so they differ from the index.
    const positionOf = (row: readonly number[], index: number) =>
      index === 0 ? 0 : index - (row.lastIndexOf(0, index - 1) + 1);
    const { context, model: m } = model(11);
    const restartPrompts = [[3, 0, 5, 6], [7, 8, 9, 1, 2, 0, 4], [0]];
    const before = memory(context).tensors;
    const batched = generate(m, restartPrompts, { maxNewTokens: 6, positionOf });
    expect(memory(context).tensors).toBe(before);
    expect(batched).toEqual(restartPrompts.map((p) => greedyByRecomputation(m, p, 6, positionOf)));
    // The ids matter: the default ids (the index) continue the prompts otherwise.
    expect(generate(m, restartPrompts, { maxNewTokens: 6 })).not.toEqual(batched);
    // Ids are checked against maxLength where they are used.
    expect(() => generate(m, [[1]], { maxNewTokens: 2, positionOf: () => 24 })).toThrow(
      'generate: positionOf gave 24 for token 0 of row 0; learned positions are 0 … 23 (maxLength 24)',
    );
  });

  it('generateAsync gives the tokens of generate; a stop token ends its row', async () => {
    const { model: m } = model(8);
    const greedy = generate(m, prompts, { maxNewTokens: 5 });
    expect(await generateAsync(m, prompts, { maxNewTokens: 5 })).toEqual(greedy);
    const stop = greedy[1][2];
    const stopped = generate(m, prompts, { maxNewTokens: 5, stopToken: stop });
    stopped.forEach((row, i) => {
      const at = greedy[i].indexOf(stop);
      expect(row).toEqual(at < 0 ? greedy[i] : greedy[i].slice(0, at + 1));
    });
  });

  it('sampling is reproducible from a seed; top-k 1 is greedy', () => {
    const { model: m } = model(9);
    const options = { maxNewTokens: 6, temperature: 1.5, seed: 3 };
    const a = generate(m, prompts, options);
    expect(generate(m, prompts, options)).toEqual(a);
    expect(generate(m, prompts, { ...options, seed: 4 })).not.toEqual(a);
    expect(generate(m, prompts, { ...options, topK: 1 })).toEqual(generate(m, prompts, { maxNewTokens: 6 }));
  });

  it('rejects prompts that do not fit', () => {
    const { model: m } = model(1);
    expect(() => generate(m, [[1, 2], []], { maxNewTokens: 2 })).toThrow('generate: prompt 1 is empty');
    expect(() => generate(m, [[1, 13]], { maxNewTokens: 2 })).toThrow(
      'token 13 outside the vocabulary [0, 13)',
    );
    expect(() => generate(m, [new Array(20).fill(1)], { maxNewTokens: 6 })).toThrow(
      'needs 25 learned positions; the decoder has maxLength 24',
    );
  });
});

describe('sampling from a row of logits', () => {
  // softmax(logits) by hand: e^x = 2.718, 20.09, 12.18, 0.368, 18.17, 1.649 (sum 55.17)
  // → token 1: 0.364, 4: 0.329, 2: 0.221, 0: 0.049, 5: 0.030, 3: 0.007.
  const logits = [1, 3, 2.5, -1, 2.9, 0.5];
  const cases = [
    { options: { temperature: 1, topK: 3 }, allowed: [1, 4, 2] },
    { options: { temperature: 1, topP: 0.6 }, allowed: [1, 4] }, // 0.364 < 0.6 ≤ 0.693
    { options: { temperature: 1, topP: 0.7 }, allowed: [1, 4, 2] }, // 0.693 < 0.7 ≤ 0.914
    { options: { temperature: 1, topP: 0.3 }, allowed: [1] },
    { options: { temperature: 1, topK: 2, topP: 0.9 }, allowed: [1, 4] }, // 0.525, 0.475 within the top 2
    { options: { temperature: 1, topK: 4, topP: 0.99 }, allowed: [1, 4, 2, 0] },
  ];
  for (const { options, allowed } of cases) {
    it(`${JSON.stringify(options)} picks only from {${allowed.join(', ')}}, each of them`, () => {
      expect(allowedTokens(logits, options).tokens).toEqual(allowed);
      const rng = new Rng(5);
      const counts = new Map<number, number>();
      for (let i = 0; i < 2000; i++) {
        const t = sampleToken(logits, options, rng);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual([...allowed].sort());
    });
  }

  it('draws in proportion to the renormalized probabilities', () => {
    // Under top-p 0.6 the two tokens keep e^3 : e^2.9, i.e. token 1 with probability 1 / (1 + e^−0.1) = 0.525.
    const rng = new Rng(6);
    let ones = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) if (sampleToken(logits, { temperature: 1, topP: 0.6 }, rng) === 1) ones++;
    expect(Math.abs(ones / n - 1 / (1 + Math.exp(-0.1)))).toBeLessThan(0.03);
    // Temperature 0 is argmax, even with top-k/top-p set.
    expect(sampleToken(logits, { temperature: 0, topK: 3 }, rng)).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => allowedTokens(logits, { temperature: 1, topK: 0 })).toThrow(
      'topK must be a positive integer, got 0',
    );
    expect(() => allowedTokens(logits, { temperature: 1, topP: 1.5 })).toThrow(
      'topP must be in (0, 1], got 1.5',
    );
    expect(() => allowedTokens(logits, { temperature: -1 })).toThrow('temperature must be ≥ 0, got -1');
  });
});
