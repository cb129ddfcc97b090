import { createContext, manualSeed, rand, randn } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { VQVAE } from './vq-vae.js';

const context = createContext();
const read = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync(), Number);

describe('VQVAE', () => {
  manualSeed(5, context);
  const model = new VQVAE({ channels: 1, hidden: 8, codeDim: 4, codebookSize: 16 }, { context });
  model.eval();
  const images = rand([3, 1, 28, 28], { context });

  it('encodes 28×28 to a 7×7 grid of nearest codes and decodes tokens to pixels in [0, 1]', () => {
    const tokens = model.encode(images);
    expect(tokens.shape).toEqual([3, 7, 7]);
    expect(tokens.dtype).toBe('i32');
    // The token of each cell is the nearest code of the encoder output there.
    const z = read(model.embed(images));
    const book = read(model.quantizer.codebook);
    const t = read(tokens);
    for (let cell = 0; cell < 3 * 49; cell++) {
      const [b, p] = [Math.floor(cell / 49), cell % 49];
      const dist = (c: number) =>
        [0, 1, 2, 3].reduce((s, j) => s + (z[b * 196 + j * 49 + p] - book[c * 4 + j]) ** 2, 0);
      for (let c = 0; c < 16; c++) expect(dist(t[cell])).toBeLessThanOrEqual(dist(c) + 1e-5);
    }
    const pixels = model.decode(tokens);
    expect(pixels.shape).toEqual([3, 1, 28, 28]);
    expect(read(pixels).every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("forward's logits decode the same tokens encode gives, and its loss is the sum of its parts", () => {
    const out = model.forward(images);
    expect(read(out.indices)).toEqual(read(model.encode(images)));
    const fromTokens = read(model.decode(out.indices));
    read(out.logits.sigmoid()).forEach((v, i) => {
      expect(v).toBeCloseTo(fromTokens[i], 5);
    });
    const parts =
      out.reconstructionLoss.itemSync() + out.commitmentLoss.itemSync() + out.codebookLoss.itemSync();
    expect(out.loss.itemSync()).toBeCloseTo(parts, 6);
  });

  it('rejects images whose size the downsampling does not divide, and bad token grids', () => {
    expect(() => model.encode(randn([1, 1, 30, 30], { context }))).toThrow(
      'images must be [batch, 1, H, W] with H and W divisible by 4, got [1, 1, 30, 30]',
    );
    expect(() => model.decode(randn([1, 7, 7], { context }))).toThrow(
      'tokens must be [batch, h, w] i32, got f32 [1, 7, 7]',
    );
  });
});
