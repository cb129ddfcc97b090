import { createContext, manualSeed, rand, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { VQVAE } from '@tessera/vision';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';
import { batchOf, imageBlockPositions, imageToText, textToImage } from './fusion.js';
import { tokenize, tokenizeAugmented } from './tokenizer.js';
import { caption, DIGIT_WORDS, FusionVocab, TEMPLATES } from './vocab.js';

const context = createContext();

describe('one vocabulary for caption words and image codes', () => {
  const vocab = new FusionVocab(64);

  it('image-block positions give a code the same id in both directions', () => {
    // A 2×2 grid: the block [BOI, c, c, c, c, EOI] takes ids 0–5, text 6 onwards.
    const positionOf = imageBlockPositions(vocab, 4);
    const ids = (row: number[]) => row.map((_, i) => positionOf(row, i));
    const words = ['a', 'handwritten', 'seven'];
    const codes = [1, 2, 3, 4];
    // caption → image: 3 words (6, 7, 8), then the block.
    expect(ids(textToImage(vocab, words, codes))).toEqual([6, 7, 8, 0, 1, 2, 3, 4, 5]);
    // image → caption: the block, then the words and end-of-text (6 … 9).
    expect(ids(imageToText(vocab, codes, words))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A prefix gives the same ids as the whole row (what generation sees step by step).
    const row = textToImage(vocab, words, codes);
    expect(ids(row.slice(0, 5))).toEqual([6, 7, 8, 0, 1]);
  });

  it('lays out words, end-of-text, begin/end-of-image, then the codes at an offset', () => {
    // 7 filler words + 10 digit words, then 3 specials: codes start at 20 and end at 83.
    expect(vocab.words.length).toBe(17);
    expect([vocab.endOfText, vocab.beginImage, vocab.endImage, vocab.imageOffset, vocab.size]).toEqual([
      17, 18, 19, 20, 84,
    ]);
    expect(vocab.encodeImage([0, 63, 5])).toEqual([18, 20, 83, 25, 19]);
    expect(new Set([...vocab.words]).size).toBe(vocab.words.length);
  });

  it('round-trips every caption of every digit and random code grids', () => {
    for (let d = 0; d < 10; d++) {
      for (let t = 0; t < TEMPLATES.length; t++) {
        const words = caption(d, t);
        const ids = vocab.encodeText(words);
        expect(ids.every((i) => vocab.isText(i))).toBe(true);
        expect(vocab.decodeText([...ids, vocab.endOfText, 3])).toEqual(words);
        expect(vocab.digitOf(words)).toBe(d);
        expect(words).toContain(DIGIT_WORDS[d]);
      }
    }
    const rng = new Rng(4);
    for (let k = 0; k < 20; k++) {
      const codes = Array.from({ length: 49 }, () => rng.int(64));
      const tokens = vocab.encodeImage(codes);
      expect(tokens.slice(1, -1).every((t) => vocab.isImageCode(t) && !vocab.isText(t))).toBe(true);
      expect(vocab.decodeImage(tokens)).toEqual(codes);
      expect(vocab.decodeImage(tokens.slice(1, -1))).toEqual(codes);
    }
  });

  it('rejects unknown words, out-of-range codes and mixed-up tokens, naming them', () => {
    expect(() => vocab.encodeText(['a', 'cat'])).toThrow("word 1 'cat' is not in the vocabulary");
    expect(() => vocab.encodeImage([1, 64])).toThrow('code 1 is 64, outside 0–63');
    expect(() => vocab.decodeImage([18, 20, 3, 19])).toThrow('token 2 is 3, not an image code (20–83)');
    expect(() => vocab.decodeText([1, 20])).toThrow('token 20 is not a word');
    expect(vocab.digitOf(['one', 'two'])).toBe(-1);
  });
});

describe('mixed sequences', () => {
  const vocab = new FusionVocab(8);
  const codes = [3, 1, 4, 1];

  it('caption → image and image → caption', () => {
    const words = caption(7, 1);
    expect(textToImage(vocab, words, codes)).toEqual([...vocab.encodeText(words), 18, 23, 21, 24, 21, 19]);
    expect(imageToText(vocab, codes, words)).toEqual([
      18,
      23,
      21,
      24,
      21,
      19,
      ...vocab.encodeText(words),
      17,
    ]);
  });

  it('a batch shifts targets by one, ignores padding and weighs the image → caption captions', () => {
    const split = { codes: Int32Array.from([3, 1, 4, 1, 5, 0, 2, 6]), perImage: 4, labels: [2, 9] };
    const { inputs, targets, weights } = batchOf(vocab, split, 16, new Rng(1), context, 5);
    const [b, l] = inputs.shape;
    const x = Array.from(inputs.dataSync() as Int32Array);
    const y = Array.from(targets.dataSync() as Int32Array);
    const w = Array.from(weights.dataSync() as Float32Array);
    const sawBoth = [false, false];
    for (let r = 0; r < b; r++) {
      const row = x.slice(r * l, (r + 1) * l);
      const next = y.slice(r * l, (r + 1) * l);
      const wr = w.slice(r * l, (r + 1) * l);
      const real = next.filter((t) => t !== -100).length;
      // Targets are the inputs shifted by one over the real tokens; padding has weight 0.
      for (let t = 0; t + 1 < real; t++) expect(next[t]).toBe(row[t + 1]);
      for (let t = real; t < l; t++) expect([next[t], wr[t]]).toEqual([-100, 0]);
      if (row[0] === vocab.beginImage) {
        sawBoth[1] = true;
        // [BOI c c c c EOI words… EOT]: targets from the first word on weigh 5.
        expect(wr.slice(0, 5)).toEqual([1, 1, 1, 1, 1]);
        expect(wr.slice(5, real)).toEqual(new Array(real - 5).fill(5));
      } else {
        sawBoth[0] = true;
        expect(wr.slice(0, real)).toEqual(new Array(real).fill(1));
      }
    }
    expect(sawBoth).toEqual([true, true]);
  });

  it('a batch holds only image → caption sequences at fraction 1 and none at fraction 0', () => {
    const split = { codes: Int32Array.from([3, 1, 4, 1, 5, 0, 2, 6]), perImage: 4, labels: [2, 9] };
    const firsts = (fraction: number) => {
      const { inputs } = batchOf(vocab, split, 12, new Rng(2), context, 1, fraction);
      const x = inputs.dataSync() as Int32Array;
      return Array.from({ length: 12 }, (_, r) => x[r * inputs.shape[1]] === vocab.beginImage);
    };
    expect(firsts(1)).toEqual(new Array(12).fill(true));
    expect(firsts(0)).toEqual(new Array(12).fill(false));
  });
});

describe('distorted copies of the training digits', () => {
  it('an identity distortion reproduces the plain token grids, copy after copy, labels repeated', () => {
    manualSeed(3, context);
    const vq = new VQVAE({ channels: 1, hidden: 4, codeDim: 4, codebookSize: 8 }, { context });
    vq.eval();
    const images = rand([3, 1, 28, 28], { context });
    const labels = tensor([7, 0, 4], [3], { dtype: 'i32', context });
    const plain = tokenize(vq, { images, labels }, context).codes;
    const identity = { degrees: 0, scale: 0, shift: 0 };
    const two = tokenizeAugmented(vq, { images, labels }, { copies: 2, range: identity, seed: 1, context });
    expect(two.perImage).toBe(49);
    expect(Array.from(two.labels)).toEqual([7, 0, 4, 7, 0, 4]);
    expect(Array.from(two.codes)).toEqual([...plain, ...plain]);
  });
});

describe('cli', () => {
  it('parses its options and rejects bad ones', () => {
    expect(parseCli(['--steps', '20', '--mode', 'stability', '--out', 'x'], 'd')).toMatchObject({
      steps: 20,
      mode: 'stability',
      out: 'x',
      batch: 32,
    });
    expect(parseCli(['--temperature', '0.5', '--top-k', '5', '--caption-weight', '8'], 'd')).toMatchObject({
      temperature: 0.5,
      topK: 5,
      captionWeight: 8,
    });
    expect(parseCli(['--augment', '0', '--image-to-text', '0.5'], 'd')).toMatchObject({
      augment: 0,
      imageToText: 0.5,
    });
    expect(parseCli(['--mode', 'evaluate', '--guidance', '3', '--sample-seed', '4'], 'd')).toMatchObject({
      mode: 'evaluate',
      guidance: 3,
      sampleSeed: 4,
    });
    expect(parseCli([], 'd')).toMatchObject({
      guidance: 2,
      sampleSeed: undefined,
      steps: 3200,
      layers: 4,
      imageToText: 0.7,
      tokenizerSteps: 600,
      imagePositions: false,
    });
    expect(parseCli(['--image-positions'], 'd').imagePositions).toBe(true);
    expect(() => parseCli(['--image-to-text', '1.5'], 'd')).toThrow('--image-to-text');
    expect(() => parseCli(['--mode', 'fly'], 'd')).toThrow(
      "--mode must be one of train, evaluate, stability, got 'fly'",
    );
  });
});
