import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@tessera/core/rng';
import { readPngSize } from '@tessera/plot';
import { describe, expect, it } from 'vitest';
import { loadCorpus, sampleWindows, validationWindows } from './corpus.js';
import { run } from './run.js';

const corpus = loadCorpus();

describe('the Moby-Dick corpus', () => {
  it('ships offline, trains on the book from its front matter on and holds out the end', () => {
    const train = corpus.tokenizer.decode(corpus.train);
    expect(train).toContain('Loomings.\n\nCall me Ishmael. Some years ago');
    expect(corpus.valid.length / (corpus.train.length + corpus.valid.length)).toBeCloseTo(0.1, 3);
    expect(corpus.tokenizer.decode(corpus.valid.subarray(corpus.valid.length - 300))).toContain('orphan');
  });

  it('gives windows whose targets are the inputs moved on by one character', () => {
    const { inputs, targets } = sampleWindows(corpus.train, 3, 10, new Rng(1));
    expect(inputs).toHaveLength(30);
    for (let b = 0; b < 3; b++) {
      expect(targets.slice(b * 10, b * 10 + 9)).toEqual(inputs.slice(b * 10 + 1, b * 10 + 10));
    }
    const v = validationWindows(corpus.valid, 4, 8);
    expect(v.inputs.slice(0, 8)).toEqual(Array.from(corpus.valid.subarray(0, 8)));
  });
});

describe('moe-lm', () => {
  it('trains the three models a few steps and writes the charts and results', async () => {
    const out = mkdtempSync(join(tmpdir(), 'moe-lm-'));
    const lines: string[] = [];
    const results = await run(
      {
        device: 'cpu',
        steps: 4,
        batch: 2,
        seq: 16,
        dim: 16,
        layers: 2,
        heads: 2,
        hidden: 16,
        experts: 4,
        topK: 2,
        denseLayers: 1,
        biasRate: 0.01,
        lr: 0.003,
        evalEvery: 2,
        validWindows: 2,
        seed: 1,
        sampleLength: 8,
        out,
      },
      corpus,
      (l) => lines.push(l),
    );
    expect(results.map((r) => r.name)).toEqual(['dense', 'moe-balanced', 'moe-unbalanced']);
    for (const r of results) {
      expect(r.evalSteps).toEqual([2, 4]);
      // Bits per character of an untrained model: near log2(vocab), and finite.
      for (const bpc of r.validBpc) expect(bpc).toBeGreaterThan(3);
      for (const bpc of r.validBpc) expect(bpc).toBeLessThan(Math.log2(corpus.tokenizer.vocabSize) + 1);
      expect(r.sample.startsWith('Call me Ishmael. ')).toBe(true);
      expect(r.sample.length).toBe('Call me Ishmael. '.length + 8);
    }
    // One MoE layer (the first is dense): 4 experts × 3 matrices of 16 × 8, 2 of them idle per token.
    const [dense, moe] = results;
    expect(moe.params - moe.activeParams).toBe(2 * 3 * 16 * 8);
    expect(moe.activeParams - dense.activeParams).toBe(16 * 4); // the router's gate
    expect(moe.loadShares[0]).toHaveLength(1);
    expect(moe.loadShares[0][0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(readPngSize(readFileSync(join(out, 'expert-load.png')))).toBeTruthy();
    expect(readPngSize(readFileSync(join(out, 'validation-bpc.png')))).toBeTruthy();
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).results).toHaveLength(3);
    expect(lines).toHaveLength(3);
  });
});
