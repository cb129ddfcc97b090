import { createContext, manualSeed, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { Decoder } from './decoder.js';
import { generate } from './generate.js';

const context = createContext();
manualSeed(11, context);
const model = new Decoder(
  { vocab: 12, dim: 16, layers: 2, heads: 4, kvHeads: 4, qkNorm: true, normPlacement: 'post' },
  { context },
);
model.eval();

/** Last-position logits of one sequence by a plain forward pass: no cache, no padding, no batch. */
function lastLogits(seq: readonly number[]): number[] {
  return tidy(
    () =>
      Array.from(
        model
          .forward(tensor([...seq], [1, seq.length], { dtype: 'i32', context }))
          .slice(1, seq.length - 1, seq.length)
          .contiguous()
          .dataSync() as Float32Array,
      ),
    context,
  );
}

// Prompts of different lengths, so the batch is left-padded; the unconditional ones share a suffix.
const prompts = [
  [1, 2, 3, 9],
  [4, 9],
  [5, 6, 7, 8, 2, 9],
];
const unconditional = [[9], [9], [3, 9]];

describe('classifier-free guidance', () => {
  for (const scale of [0, 1, 2.5]) {
    it(`samples from u + ${scale}·(c − u), u and c from separate forward passes`, () => {
      const seen: Float64Array[][] = [];
      const out = generate(model, prompts, {
        maxNewTokens: 5,
        guidance: { unconditional, scale, onLogits: (_, rows) => seen.push(rows) },
        temperature: 0,
        rng: new Rng(0),
      });
      expect(seen.length).toBe(5);
      prompts.forEach((p, i) => {
        expect(out[i].length).toBe(5);
        for (let t = 0; t < 5; t++) {
          const c = lastLogits([...p, ...out[i].slice(0, t)]);
          const u = lastLogits([...unconditional[i], ...out[i].slice(0, t)]);
          const expected = u.map((x, k) => x + scale * (c[k] - x));
          const got = Array.from(seen[t][i]);
          for (let k = 0; k < expected.length; k++) expect(got[k]).toBeCloseTo(expected[k], 4);
          // Greedy: the token fed on is the argmax of the guided logits.
          expect(out[i][t]).toBe(got.indexOf(Math.max(...got)));
        }
      });
    });
  }

  it('at scale 1 draws the same tokens as plain sampling with the same generator', () => {
    const options = { maxNewTokens: 6, temperature: 0.9, topK: 6 };
    const guided = generate(model, prompts, {
      ...options,
      guidance: { unconditional, scale: 1 },
      rng: new Rng(5),
    });
    expect(guided).toEqual(generate(model, prompts, { ...options, rng: new Rng(5) }));
  });

  it('rejects a missing unconditional prompt, a bad scale and out-of-vocabulary tokens', () => {
    const o = (unconditional: number[][], scale = 2) => ({
      maxNewTokens: 2,
      guidance: { unconditional, scale },
      rng: new Rng(0),
    });
    expect(() => generate(model, prompts, o([[9]]))).toThrow('3 prompts but 1 unconditional prompts');
    expect(() => generate(model, [[1]], o([[9]], Number.NaN))).toThrow(
      'guidance must be a finite number, got NaN',
    );
    expect(() => generate(model, [[1, 12]], o([[9]]))).toThrow('token 12 outside the vocabulary [0, 12)');
    expect(() => generate(model, [[1]], o([[12]]))).toThrow(
      'unconditional prompt 0 has token 12 outside the vocabulary [0, 12)',
    );
  });
});
