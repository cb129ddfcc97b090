import { createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, IMAGE, makeBatch, ROW_END, tokenId, VisionLanguageModel, VOCAB } from './model.js';
import {
  HELD_OUT_PAIRS,
  questionsFor,
  randomExample,
  randomScene,
  type Scene,
  squareResized,
} from './scenes.js';

const context = createContext();

/** The distinct non-black colours of a picture's pixels (read from the bytes, not the scene's object list). */
function coloursIn(scene: Scene): Set<string> {
  const seen = new Set<string>();
  for (let i = 0; i < scene.pixels.length; i += 3) {
    const rgb = [scene.pixels[i], scene.pixels[i + 1], scene.pixels[i + 2]];
    if (rgb.some((v) => v > 0)) seen.add(rgb.join(','));
  }
  return seen;
}

describe('synthetic scenes', () => {
  it('are reproducible from the seed, within 16–48 px, with a clear aspect', () => {
    const a = randomScene(new Rng(5), false);
    const b = randomScene(new Rng(5), false);
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels));
    const rng = new Rng(1);
    for (let n = 0; n < 200; n++) {
      const s = randomScene(rng, n % 2 === 0);
      expect(Math.min(s.width, s.height)).toBeGreaterThanOrEqual(16);
      expect(Math.max(s.width, s.height)).toBeLessThanOrEqual(48);
      expect(Math.max(s.width, s.height) / Math.min(s.width, s.height)).toBeGreaterThanOrEqual(1.5);
      // Shapes never overlap and have distinct colours: one pixel colour per object.
      expect(coloursIn(s).size).toBe(s.objects.length);
    }
  });

  it('keep the held-out colour–shape pairs out of training pictures and put one in every held-out picture', () => {
    const rng = new Rng(2);
    const held = (s: Scene) =>
      s.objects.some((o) => HELD_OUT_PAIRS.some(([c, k]) => c === o.colour && k === o.shape));
    for (let n = 0; n < 300; n++) {
      expect(held(randomScene(rng, false))).toBe(false);
      expect(held(randomScene(rng, true))).toBe(true);
    }
  });

  it('answer count and aspect questions as the pixels say', () => {
    const rng = new Rng(3);
    for (let n = 0; n < 100; n++) {
      const s = randomScene(rng, false);
      for (const q of questionsFor(s)) {
        if (q.type === 'count') expect(['one', 'two', 'three'].indexOf(q.answer) + 1).toBe(coloursIn(s).size);
        if (q.type === 'aspect') expect(q.answer).toBe(s.width > s.height ? 'wider' : 'taller');
      }
    }
  });

  it('square resizing keeps every colour and makes a side×side picture', () => {
    const s = randomScene(new Rng(4), false);
    const r = squareResized(s, 32);
    expect([r.width, r.height, r.pixels.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(coloursIn(r)).toEqual(coloursIn(s));
  });
});

describe('the multimodal sequence', () => {
  manualSeed(0, context);
  const model = new VisionLanguageModel(DEFAULT_CONFIG, { context });
  const rng = new Rng(7);
  const examples = Array.from({ length: 5 }, () => randomExample(rng, false));
  const batch = makeBatch(examples, DEFAULT_CONFIG, true, { context, device: 'cpu' });

  it('has ⌈⌈H/p⌉/2⌉·⌈⌈W/p⌉/2⌉ image placeholders per picture, a <row> after each merged row, and the answer last', () => {
    const ids = Array.from(batch.inputs.dataSync());
    const p = DEFAULT_CONFIG.patch;
    examples.forEach((ex, b) => {
      const rows = Math.ceil(Math.ceil(ex.scene.height / p) / 2);
      const cols = Math.ceil(Math.ceil(ex.scene.width / p) / 2);
      const row = ids.slice(b * batch.seq, (b + 1) * batch.seq);
      expect(row.filter((t) => t === IMAGE).length).toBe(rows * cols);
      expect(row.filter((t) => t === ROW_END).length).toBe(rows);
      expect(row[(cols + 1) * rows - 1]).toBe(ROW_END);
      const targets = Array.from(batch.targets.dataSync());
      expect(targets[batch.answerAt[b]]).toBe(tokenId(ex.question.answer));
    });
    expect(batch.imageSlots.length).toBe(ids.filter((t) => t === IMAGE).length);
  });

  it('puts the projected image tokens at the placeholders and the word embeddings elsewhere', () => {
    const spliced = model.splice(batch);
    const [b, s, dim] = spliced.shape;
    const x = spliced.dataSync();
    const projected = model.tower.forward(batch.images).tokens.dataSync();
    const table = model.decoder.tokenEmbedding.weight.dataSync();
    const ids = batch.inputs.dataSync();
    let image = 0;
    for (let i = 0; i < b * s; i++) {
      const want =
        ids[i] === IMAGE
          ? projected.subarray(image++ * dim, image * dim)
          : table.subarray(ids[i] * dim, (ids[i] + 1) * dim);
      for (let d = 0; d < dim; d++) expect(x[i * dim + d]).toBeCloseTo(want[d], 5);
    }
    expect(image).toBe(batch.imageSlots.length);
  });

  it('computes the loss on text targets only (mean cross-entropy over question and answer words)', () => {
    const logits = model.forward(batch);
    const loss = model.loss(logits, batch).itemSync();
    const l = logits.dataSync();
    const ids = Array.from(batch.inputs.dataSync());
    const v = VOCAB.length;
    let sum = 0;
    let n = 0;
    examples.forEach((_, b) => {
      for (let t = 0; t < batch.seq; t++) {
        const next = t + 1 < batch.seq ? ids[b * batch.seq + t + 1] : -1;
        const isAnswer = b * batch.seq + t === batch.answerAt[b];
        // A text target: the next input is a word (not a placeholder, row end or padding), or the answer.
        if (!(isAnswer || (next > ROW_END && next !== -1))) continue;
        const y = isAnswer ? tokenId(examples[b].question.answer) : next;
        const row = Array.from(l.subarray((b * batch.seq + t) * v, (b * batch.seq + t + 1) * v));
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((a, z) => a + Math.exp(z - max), 0));
        sum += lse - row[y];
        n++;
      }
    });
    expect(n).toBeGreaterThan(examples.length * 4);
    expect(loss).toBeCloseTo(sum / n, 4);
  });

  it('with answersOnly, keeps exactly the answers of every question as targets (LLaVA-style)', () => {
    const training = Array.from({ length: 4 }, () => randomExample(rng, false, 3));
    const only = makeBatch(training, DEFAULT_CONFIG, true, { context, device: 'cpu' }, true);
    const targets = Array.from(only.targets.dataSync());
    const p = DEFAULT_CONFIG.patch;
    training.forEach((ex, b) => {
      const rows = Math.ceil(Math.ceil(ex.scene.height / p) / 2);
      const cols = Math.ceil(Math.ceil(ex.scene.width / p) / 2);
      // Input t predicts token t + 1: the answer of each question follows its words.
      const want = new Map<number, number>();
      let at = rows * (cols + 1);
      for (const q of [ex.question, ...(ex.more ?? [])]) {
        at += q.words.length;
        want.set(at - 1, tokenId(q.answer));
        at += 1;
      }
      expect(want.size).toBeGreaterThan(1);
      for (let t = 0; t < only.seq; t++) expect(targets[b * only.seq + t]).toBe(want.get(t) ?? -100);
      expect(only.answerAt[b]).toBe(b * only.seq + Math.min(...want.keys()));
    });
  });
});
