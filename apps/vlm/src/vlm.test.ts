import { createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Raster } from '@tessera/plot';
import { describe, expect, it } from 'vitest';
import { parseCli, parseTypeWeights } from './cli.js';
import {
  ANSWER,
  DEFAULT_CONFIG,
  IMAGE,
  makeBatch,
  PAD,
  ROW_END,
  tokenId,
  VisionLanguageModel,
  VOCAB,
} from './model.js';
import {
  COLOURS,
  cellLabels,
  drawObject,
  groundingQuestions,
  HELD_OUT_PAIRS,
  QUESTION_TYPES,
  questionsFor,
  randomExample,
  randomScene,
  type Scene,
  SHAPES,
  squareResized,
} from './scenes.js';
import { withGrounding } from './train.js';

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
  const imageFirst = { rowTokens: true, order: 'image-first' } as const;
  const questionFirst = { rowTokens: true, order: 'question-first' } as const;
  const where = { context, device: 'cpu' };
  const batch = makeBatch(examples, DEFAULT_CONFIG, imageFirst, where);
  const p = DEFAULT_CONFIG.patch;
  const gridOf = (ex: (typeof examples)[number]) => ({
    rows: Math.ceil(Math.ceil(ex.scene.height / p) / 2),
    cols: Math.ceil(Math.ceil(ex.scene.width / p) / 2),
  });

  it('has ⌈⌈H/p⌉/2⌉·⌈⌈W/p⌉/2⌉ image placeholders per picture, a <row> after each merged row, and the answer last', () => {
    const ids = Array.from(batch.inputs.dataSync());
    examples.forEach((ex, b) => {
      const { rows, cols } = gridOf(ex);
      const row = ids.slice(b * batch.seq, (b + 1) * batch.seq);
      expect(row.filter((t) => t === IMAGE).length).toBe(rows * cols);
      expect(row.filter((t) => t === ROW_END).length).toBe(rows);
      expect(row[(cols + 1) * rows - 1]).toBe(ROW_END);
      const targets = Array.from(batch.targets.dataSync());
      expect(targets[batch.answerAt[b]]).toBe(tokenId(ex.question.answer));
    });
    expect(batch.imageSlots.length).toBe(ids.filter((t) => t === IMAGE).length);
  });

  it("with the question first, lays out one sequence per question that reuses its picture's image tokens", () => {
    const training = Array.from({ length: 3 }, () => randomExample(rng, false, { more: 2 }));
    const qf = makeBatch(training, DEFAULT_CONFIG, questionFirst, where, true);
    const ids = Array.from(qf.inputs.dataSync());
    const targets = Array.from(qf.targets.dataSync());
    expect(qf.inputs.shape[0]).toBe(training.length * 3);
    let firstToken = 0;
    let row = 0;
    training.forEach((ex, b) => {
      const { rows, cols } = gridOf(ex);
      [ex.question, ...(ex.more ?? [])].forEach((q, k) => {
        const want = [
          ...q.words.map(tokenId),
          ...Array.from({ length: rows }, () => [...new Array(cols).fill(IMAGE), ROW_END]).flat(),
          ANSWER,
        ];
        const got = ids.slice(row * qf.seq, row * qf.seq + want.length);
        expect(got).toEqual(want);
        // Then the answer (unless it is the batch's longest sequence, whose last token is no input)
        // and padding; the only target is the answer, predicted at <answer>.
        for (let t = want.length; t < qf.seq; t++) {
          expect(ids[row * qf.seq + t]).toBe(t === want.length ? tokenId(q.answer) : PAD);
        }
        for (let t = 0; t < qf.seq; t++) {
          expect(targets[row * qf.seq + t]).toBe(t === want.length - 1 ? tokenId(q.answer) : -100);
        }
        if (k === 0) expect(qf.answerAt[b]).toBe(row * qf.seq + want.length - 1);
        // Image slots of every question of this picture point at the same projected tokens.
        const slots = qf.imageRows
          .map((r, j) => [r, qf.imageSlots[j]])
          .filter(([r]) => Math.floor(r / qf.seq) === row)
          .map(([, s]) => s);
        expect(slots).toEqual(Array.from({ length: rows * cols }, (_, j) => firstToken + j));
        row++;
      });
      firstToken += rows * cols;
    });
  });

  it('with the question first, the causal decoder lets image tokens see the question and the answer see the picture', () => {
    // Perturbation check of the token order through the real model: changing the picture moves the
    // answer's logits but not the question's; changing the named colour moves the image tokens'.
    const ex = examples.find((e) => e.scene.objects.length > 1) ?? examples[0];
    const logitsOf = (e: typeof ex) => {
      const b = makeBatch([e], DEFAULT_CONFIG, questionFirst, where);
      return { b, logits: Array.from(model.forward(b).dataSync()) };
    };
    const v = VOCAB.length;
    const at = (l: number[], t: number) => l.slice(t * v, (t + 1) * v);
    const maxDiff = (x: number[], y: number[]) => Math.max(...x.map((z, i) => Math.abs(z - y[i])));
    const base = logitsOf(ex);
    const n = ex.question.words.length;
    const firstImage = base.b.imageRows[0];
    const answer = base.b.answerAt[0];
    expect(firstImage).toBe(n);

    const pixels = ex.scene.pixels.map((c) => 255 - c);
    const flipped = logitsOf({ ...ex, scene: { ...ex.scene, pixels } });
    expect(maxDiff(at(base.logits, answer), at(flipped.logits, answer))).toBeGreaterThan(1e-3);
    for (let t = 0; t < n; t++) expect(at(flipped.logits, t)).toEqual(at(base.logits, t));

    const words = [...ex.question.words];
    words[0] = words[0] === 'how' ? 'is' : 'how';
    const asked = logitsOf({ ...ex, question: { ...ex.question, words } });
    expect(maxDiff(at(base.logits, firstImage), at(asked.logits, firstImage))).toBeGreaterThan(1e-3);
  });

  it('puts the projected image tokens at the placeholders and the word embeddings elsewhere', () => {
    const plain = new VisionLanguageModel(
      { ...DEFAULT_CONFIG, imagePositions: 0, imageCoords: false },
      { context },
    );
    const spliced = plain.splice(batch);
    const [b, s, dim] = spliced.shape;
    const x = spliced.dataSync();
    const projected = plain.tower.forward(batch.images).tokens.dataSync();
    const table = plain.decoder.tokenEmbedding.weight.dataSync();
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

  /**
   * Checks, for every image token of each example's first question-first sequence (row-major), that
   * the decoder input there is the projected token plus `added(r, c, d)` in each dimension d.
   */
  function expectImageTokens(
    model: VisionLanguageModel,
    qf: ReturnType<typeof makeBatch>,
    added: (r: number, c: number, d: number) => number,
  ) {
    const spliced = model.splice(qf).dataSync();
    const projected = model.tower.forward(qf.images).tokens.dataSync();
    const dim = model.config.dim;
    let token = 0;
    examples.forEach((ex, b) => {
      const { rows, cols } = gridOf(ex);
      const first = qf.imageRows.filter((r) => Math.floor(r / qf.seq) === b);
      expect(first.length).toBe(rows * cols);
      first.forEach((at, j) => {
        const [r, c] = [Math.floor(j / cols), j % cols];
        for (let d = 0; d < dim; d++) {
          expect(spliced[at * dim + d]).toBeCloseTo(projected[(token + j) * dim + d] + added(r, c, d), 5);
        }
      });
      token += rows * cols;
    });
  }

  it('adds the learned row and column vectors of its merged-grid cell to each image token', () => {
    const config = { ...DEFAULT_CONFIG, imagePositions: 8, imageCoords: false };
    const withCells = new VisionLanguageModel(config, { context });
    const rowTable = withCells.imageRow?.dataSync() ?? new Float32Array();
    const colTable = withCells.imageCol?.dataSync() ?? new Float32Array();
    const dim = config.dim;
    expectImageTokens(
      withCells,
      makeBatch(examples, config, questionFirst, where),
      (r, c, d) => rowTable[r * dim + d] + colTable[c * dim + d],
    );
    const tooBig = { ...config, imagePositions: 2 };
    const small = new VisionLanguageModel(tooBig, { context });
    expect(() => small.splice(makeBatch(examples, tooBig, questionFirst, where))).toThrow(/imagePositions/);
  });

  it('adds W·(x, y) to each image token, x and y its centred merged-grid column and row', () => {
    const config = { ...DEFAULT_CONFIG, imagePositions: 0, imageCoords: true };
    const withXY = new VisionLanguageModel(config, { context });
    // Linear(2, dim) without bias: weight [dim, 2].
    const w = withXY.imageCoords?.weight.dataSync() ?? new Float32Array();
    expect(w.length).toBe(2 * config.dim);
    // A 48-px side has 6 merged cells: x and y run from −1 to 1 over them.
    expectImageTokens(
      withXY,
      makeBatch(examples, config, questionFirst, where),
      (r, c, d) => w[2 * d] * ((c - 2.5) / 2.5) + w[2 * d + 1] * ((r - 2.5) / 2.5),
    );
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
        if (!(isAnswer || (next > ANSWER && next !== -1))) continue;
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
    const training = Array.from({ length: 4 }, () => randomExample(rng, false, { more: 3 }));
    const only = makeBatch(training, DEFAULT_CONFIG, imageFirst, where, true);
    const targets = Array.from(only.targets.dataSync());
    training.forEach((ex, b) => {
      const { rows, cols } = gridOf(ex);
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

describe('question phrasing, training mix and the image-token labels', () => {
  it("words 'name-last' questions to end on the naming word, with the same pictures, questions and answers", () => {
    const a = new Rng(11);
    const b = new Rng(11);
    for (let n = 0; n < 100; n++) {
      const natural = randomExample(a, n % 2 === 0, { more: 4 });
      const last = randomExample(b, n % 2 === 0, { more: 4, phrasing: 'name-last' });
      expect(Array.from(last.scene.pixels)).toEqual(Array.from(natural.scene.pixels));
      const pairs = [natural.question, ...(natural.more ?? [])].map(
        (q, i) => [q, i === 0 ? last.question : (last.more ?? [])[i - 1]] as const,
      );
      for (const [q, r] of pairs) {
        expect([r.type, r.answer, r.about]).toEqual([q.type, q.answer, q.about]);
        const end = r.words[r.words.length - 1];
        if (q.type === 'colour') expect([r.words, end]).toEqual([q.words.slice(0, -1), q.about[0].shape]);
        else if (q.type === 'shape')
          expect([r.words, end]).toEqual([q.words.slice(0, -2), q.about[0].colour]);
        else if (q.type === 'position')
          expect([r.words, end]).toEqual([q.words.slice(0, -2), q.about[1].colour]);
        else expect(r.words).toEqual(q.words);
      }
    }
  });

  it("lays a 'name-last' answer right after the naming word, whose position predicts it", () => {
    const ex = randomExample(new Rng(12), false, { more: 2, phrasing: 'name-last' });
    const batch = makeBatch(
      [ex],
      DEFAULT_CONFIG,
      { rowTokens: true, order: 'image-first' },
      { context, device: 'cpu' },
      true,
    );
    const ids = Array.from(batch.inputs.dataSync());
    const named = ex.question.words[ex.question.words.length - 1];
    expect(ids[batch.answerAt[0]]).toBe(tokenId(named));
    expect(Array.from(batch.targets.dataSync())[batch.answerAt[0]]).toBe(tokenId(ex.question.answer));
  });

  it('draws question types by their weights, each question at most once per picture, and one object when asked', () => {
    const rng = new Rng(13);
    const onlyShape = Object.fromEntries(QUESTION_TYPES.map((t) => [t, t === 'shape' ? 1 : 0])) as Record<
      (typeof QUESTION_TYPES)[number],
      number
    >;
    for (let n = 0; n < 100; n++) {
      const ex = randomExample(rng, false, { more: 5, typeWeights: onlyShape });
      const asked = [ex.question, ...(ex.more ?? [])];
      // One shape question per object, never the same one twice.
      expect(asked.length).toBe(ex.scene.objects.length);
      expect(asked.every((q) => q.type === 'shape')).toBe(true);
      expect(new Set(asked.map((q) => q.about[0])).size).toBe(asked.length);
      expect(randomExample(rng, false, { maxObjects: 1 }).scene.objects.length).toBe(1);
    }
    // Weights 3:1 between shape and aspect: the first question's type follows them.
    const tilted = { ...onlyShape, aspect: 1 / 3 };
    let shape = 0;
    for (let n = 0; n < 2000; n++)
      if (randomExample(rng, false, { typeWeights: tilted }).question.type === 'shape') shape++;
    expect(shape / 2000).toBeGreaterThan(0.72);
    expect(shape / 2000).toBeLessThan(0.78);
  });

  it('answers grounding questions with the cell that holds the centre of the painted object, as shown', () => {
    // The centre of an object's painted pixels (boxes are ≥ 2 px apart, so the non-black pixels
    // near an object's box are its own), found in the picture as shown.
    const paintedCentre = (shown: Scene, x0: number, x1: number, y0: number, y1: number) => {
      let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(shown.height, Math.ceil(y1)); y++) {
        for (let x = Math.max(0, Math.floor(x0)); x < Math.min(shown.width, Math.ceil(x1)); x++) {
          const i = (y * shown.width + x) * 3;
          if (shown.pixels[i] + shown.pixels[i + 1] + shown.pixels[i + 2] === 0) continue;
          [minX, maxX, minY, maxY] = [
            Math.min(minX, x),
            Math.max(maxX, x),
            Math.min(minY, y),
            Math.max(maxY, y),
          ];
        }
      }
      return [(minX + maxX + 1) / 2, (minY + maxY + 1) / 2];
    };
    const rng = new Rng(21);
    let checked = 0;
    for (let n = 0; n < 40; n++) {
      const scene = randomScene(rng, false);
      for (const shown of [scene, squareResized(scene, 32)]) {
        const [sx, sy] = [shown.width / scene.width, shown.height / scene.height];
        const qs = groundingQuestions(scene, 'name-last', shown);
        expect(qs.length).toBe(2 * scene.objects.length);
        scene.objects.forEach((o, k) => {
          const [across, down] = [qs[2 * k], qs[2 * k + 1]];
          expect(across.words).toEqual(['where', 'across', 'is', 'the', o.colour]);
          expect(down.words).toEqual(['where', 'down', 'is', 'the', o.colour]);
          const [cx, cy] = paintedCentre(
            shown,
            o.x * sx - 1,
            (o.x + o.size) * sx + 1,
            o.y * sy - 1,
            (o.y + o.size) * sy + 1,
          );
          // The answered 8-px cell holds the painted centre, to the pixel (rasterizing and
          // nearest-neighbour resizing move edges by up to one pixel).
          const col = Number(across.answer.slice(1));
          const row = Number(down.answer.slice(1));
          expect([across.answer[0], down.answer[0]]).toEqual(['x', 'y']);
          expect(cx).toBeGreaterThanOrEqual(8 * col - 1);
          expect(cx).toBeLessThanOrEqual(8 * col + 9);
          expect(cy).toBeGreaterThanOrEqual(8 * row - 1);
          expect(cy).toBeLessThanOrEqual(8 * row + 9);
          checked++;
        });
      }
      expect(groundingQuestions(scene, 'natural')[0].words.slice(-2)).toEqual(['one', '?']);
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('shuffles up to n grounding questions in among the questions of a training example', () => {
    const rng = new Rng(22);
    for (let n = 0; n < 20; n++) {
      const ex = randomExample(rng, false, { more: 3, phrasing: 'name-last' });
      const asked = [ex.question, ...(ex.more ?? [])];
      const plain = withGrounding(ex, ex.scene, 0, rng, 'name-last');
      expect([plain.question, ...(plain.more ?? [])]).toEqual(asked);
      const g = withGrounding(ex, ex.scene, 2, rng, 'name-last');
      const all = [g.question, ...(g.more ?? [])];
      const extra = all.filter((q) => !asked.includes(q));
      expect(asked.every((q) => all.includes(q))).toBe(true);
      expect(extra.length).toBe(Math.min(2, 2 * ex.scene.objects.length));
      expect(extra.every((q) => q.type === 'where')).toBe(true);
      const every = groundingQuestions(ex.scene, 'name-last');
      for (const q of extra) expect(every).toContainEqual(q);
    }
  });

  it('parses --type-weights in the order of the question types and refuses bad lists', () => {
    expect(parseTypeWeights('1,1,1,1,1')).toBeUndefined();
    expect(parseTypeWeights('2,2,0.5,2,0.5')).toEqual({
      colour: 2,
      shape: 2,
      count: 0.5,
      position: 2,
      aspect: 0.5,
    });
    expect(() => parseTypeWeights('1,1,1')).toThrow(/type-weights/);
    expect(() => parseTypeWeights('0,0,0,0,0')).toThrow(/type-weights/);
    expect(() => parseTypeWeights('1,-1,1,1,1')).toThrow(/type-weights/);
  });

  it('has the same model defaults in DEFAULT_CONFIG as on the command line', () => {
    const cli = parseCli([], 'out');
    expect(DEFAULT_CONFIG.imagePositions).toBe(cli.imagePositions);
    expect(DEFAULT_CONFIG.tokenLoss).toBe(cli.tokenLoss);
    expect(DEFAULT_CONFIG.imageCoords).toBe(cli.imageCoords);
  });

  it('labels each merged cell with the colour and shape of the object covering most of it', () => {
    const rng = new Rng(14);
    for (let n = 0; n < 30; n++) {
      const scene = randomScene(rng, n % 2 === 0);
      const { colour, shape } = cellLabels(scene, 8);
      const rows = Math.ceil(scene.height / 8);
      const cols = Math.ceil(scene.width / 8);
      expect(colour.length).toBe(rows * cols);
      // Reference: draw each object alone and count its pixels in every cell.
      const counts = scene.objects.map((o) => {
        const alone = new Raster(scene.width, scene.height, [0, 0, 0]);
        drawObject(alone, o);
        const c = new Array<number>(rows * cols).fill(0);
        for (let y = 0; y < scene.height; y++)
          for (let x = 0; x < scene.width; x++)
            if (alone.pixels[(y * scene.width + x) * 3 + 0] + alone.pixels[(y * scene.width + x) * 3 + 1] > 0)
              c[Math.floor(y / 8) * cols + Math.floor(x / 8)]++;
        return c;
      });
      for (let k = 0; k < rows * cols; k++) {
        const most = Math.max(...counts.map((c) => c[k]));
        if (most === 0) {
          expect([colour[k], shape[k]]).toEqual([0, 0]);
          continue;
        }
        const winners = scene.objects.filter((_, i) => counts[i][k] === most);
        expect(
          winners.some(
            (o) => colour[k] === COLOURS.indexOf(o.colour) + 1 && shape[k] === SHAPES.indexOf(o.shape) + 1,
          ),
        ).toBe(true);
      }
    }
  });

  it('adds the weighted colour and shape cross-entropy of the image tokens to the text loss', () => {
    manualSeed(3, context);
    const config = { ...DEFAULT_CONFIG, tokenLoss: 0.7 };
    const model = new VisionLanguageModel(config, { context });
    const examples = Array.from({ length: 3 }, () => randomExample(new Rng(15), false, { more: 2 }));
    const batch = makeBatch(
      examples,
      config,
      { rowTokens: true, order: 'image-first' },
      { context, device: 'cpu' },
      true,
    );
    const text = model.loss(model.forward(batch), batch).itemSync();
    const tokens = model.tower.forward(batch.images).tokens;
    const meanCe = (logits: Float32Array, labels: number[], k: number) => {
      let sum = 0;
      labels.forEach((y, i) => {
        const row = Array.from(logits.subarray(i * k, (i + 1) * k));
        const max = Math.max(...row);
        sum += max + Math.log(row.reduce((a, z) => a + Math.exp(z - max), 0)) - row[y];
      });
      return sum / labels.length;
    };
    const colour = meanCe(model.colourHead?.forward(tokens).dataSync() as Float32Array, batch.tokenColour, 5);
    const shape = meanCe(model.shapeHead?.forward(tokens).dataSync() as Float32Array, batch.tokenShape, 4);
    expect(batch.tokenColour.some((c) => c > 0)).toBe(true);
    expect(model.trainingLoss(batch).itemSync()).toBeCloseTo(text + (0.7 * (colour + shape)) / 2, 4);
  });
});
