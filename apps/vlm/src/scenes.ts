import type { Rng } from '@tessera/core/rng';
import { Raster, type Rgb } from '@tessera/plot';

/**
 * The synthetic task: black pictures of varied sizes and aspect ratios (16–48 px sides, one side at
 * least 1.5× the other) with one to three filled shapes of distinct colours, drawn with
 * `@tessera/plot`'s Raster, and one-word-answer questions about them.
 */

export const COLOURS = ['red', 'green', 'blue', 'yellow'] as const;
export const SHAPES = ['square', 'circle', 'triangle'] as const;
export type Colour = (typeof COLOURS)[number];
export type ShapeKind = (typeof SHAPES)[number];
export const QUESTION_TYPES = ['colour', 'shape', 'count', 'position', 'aspect'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
/**
 * Grounding questions ("where across is the red" → x2) are a training signal only: never drawn by
 * type, never scored (see `groundingQuestions`).
 */
export type AskedType = QuestionType | 'where';
/** Side of the cells that grounding answers count in (one merged image token at patch 4). */
export const GROUNDING_CELL = 8;
/** Cells of `GROUNDING_CELL` pixels along the longest picture side (48 px). */
export const MAX_CELLS = 6;
/** Grounding answers: the column (x0…x5) and row (y0…y5) of an object's centre cell. */
export const CELL_WORDS = {
  x: Array.from({ length: MAX_CELLS }, (_, i) => `x${i}`),
  y: Array.from({ length: MAX_CELLS }, (_, i) => `y${i}`),
} as const;

const RGB: Record<Colour, Rgb> = {
  red: [220, 40, 40],
  green: [40, 190, 60],
  blue: [60, 90, 240],
  yellow: [230, 210, 40],
};

/**
 * Colour–shape pairs that never occur in training pictures; every held-out picture contains at
 * least one, and its colour, shape and position questions are about that object.
 */
export const HELD_OUT_PAIRS: readonly (readonly [Colour, ShapeKind])[] = [
  ['red', 'triangle'],
  ['green', 'circle'],
  ['blue', 'square'],
];
const isHeldOut = (c: Colour, s: ShapeKind) => HELD_OUT_PAIRS.some(([hc, hs]) => hc === c && hs === s);

export interface SceneObject {
  colour: Colour;
  shape: ShapeKind;
  /** Bounding box: left, top, side (shapes fit a side×side square). */
  x: number;
  y: number;
  size: number;
}

export interface Scene {
  width: number;
  height: number;
  objects: SceneObject[];
  /** RGB bytes, row-major, width·height·3. */
  pixels: Uint8Array;
}

export interface Question {
  type: AskedType;
  words: string[];
  answer: string;
  /** The objects the question names (colour and shape: one; position: two; count and aspect: none). */
  about: SceneObject[];
}

export interface Example {
  scene: Scene;
  /** The question that is scored. */
  question: Question;
  /** Training only: more questions about the same picture, asked after the first in one sequence. */
  more?: Question[];
}

/** Draws a filled shape into its side×side box: a square, an inscribed disc, or an upright triangle. */
export function drawObject(img: Raster, o: SceneObject): void {
  const color = RGB[o.colour];
  if (o.shape === 'square') img.fillRect(o.x, o.y, o.size, o.size, color);
  else if (o.shape === 'triangle') {
    img.fillTriangle(o.x + o.size / 2, o.y, o.x, o.y + o.size, o.x + o.size, o.y + o.size, color);
  } else {
    const r = o.size / 2;
    for (let yy = 0; yy < o.size; yy++) {
      for (let xx = 0; xx < o.size; xx++) {
        if ((xx + 0.5 - r) ** 2 + (yy + 0.5 - r) ** 2 <= r * r) img.setPixel(o.x + xx, o.y + yy, color);
      }
    }
  }
}

function pickSize(rng: Rng): { width: number; height: number } {
  const long = 27 + rng.int(22); // 27–48
  const short = 16 + rng.int(Math.floor(long / 1.5) - 15); // 16–⌊long/1.5⌋
  return rng.next() < 0.5 ? { width: long, height: short } : { width: short, height: long };
}

/** Places up to `count` non-overlapping boxes (2 px apart) by rejection; returns those that fit. */
function placeBoxes(
  rng: Rng,
  width: number,
  height: number,
  count: number,
): { x: number; y: number; size: number }[] {
  const boxes: { x: number; y: number; size: number }[] = [];
  for (let attempt = 0; attempt < 200 && boxes.length < count; attempt++) {
    const size = 7 + rng.int(5); // 7–11 px
    const x = rng.int(width - size + 1);
    const y = rng.int(height - size + 1);
    const apart = boxes.every(
      (b) => x + size + 2 <= b.x || b.x + b.size + 2 <= x || y + size + 2 <= b.y || b.y + b.size + 2 <= y,
    );
    if (apart) boxes.push({ x, y, size });
  }
  return boxes;
}

/**
 * A random scene with one to `maxObjects` (≤ 3) objects. `heldOut` false: no object is a held-out
 * colour–shape pair; true: at least one is (the first object).
 */
export function randomScene(rng: Rng, heldOut: boolean, maxObjects = 3): Scene {
  const { width, height } = pickSize(rng);
  const boxes = placeBoxes(rng, width, height, 1 + rng.int(maxObjects));
  const colours = rng.shuffle([...COLOURS]);
  const objects = boxes.map((b, i): SceneObject => {
    if (heldOut && i === 0) {
      const [colour, shape] = HELD_OUT_PAIRS[rng.int(HELD_OUT_PAIRS.length)];
      colours.splice(colours.indexOf(colour), 1);
      return { colour, shape, ...b };
    }
    const colour = colours.pop() as Colour;
    const allowed = SHAPES.filter((s) => heldOut || !isHeldOut(colour, s));
    return { colour, shape: allowed[rng.int(allowed.length)], ...b };
  });
  const img = new Raster(width, height, [0, 0, 0]);
  for (const o of objects) drawObject(img, o);
  return { width, height, objects, pixels: img.pixels };
}

/**
 * How questions are worded. 'natural': "what shape is the green one ?", the answer predicted at the
 * closing '?'. 'name-last': the question ends on the word that names the object it asks about
 * ("what shape is the green", "is the red one left or right of the blue"), so the position that
 * predicts the answer holds that word itself and can look its object up in the picture in one step,
 * instead of first gathering the word and then looking. Count and aspect questions name no object
 * and read the same in both.
 */
export const PHRASINGS = ['natural', 'name-last'] as const;
export type Phrasing = (typeof PHRASINGS)[number];

const centre = (o: SceneObject) => [o.x + o.size / 2, o.y + o.size / 2] as const;

/**
 * Every question the scene answers unambiguously. Colour questions name a shape that occurs once;
 * position questions need the two centres at least 5 px apart along the asked axis.
 */
export function questionsFor(scene: Scene, phrasing: Phrasing = 'natural'): Question[] {
  const qs: Question[] = [];
  // 'name-last' drops what follows the last naming word ("one ?", "?").
  const ending = (words: string[], drop: number) => (phrasing === 'natural' ? words : words.slice(0, -drop));
  const objs = scene.objects;
  for (const o of objs) {
    if (objs.filter((p) => p.shape === o.shape).length === 1) {
      qs.push({
        type: 'colour',
        words: ending(['what', 'colour', 'is', 'the', o.shape, '?'], 1),
        answer: o.colour,
        about: [o],
      });
    }
    qs.push({
      type: 'shape',
      words: ending(['what', 'shape', 'is', 'the', o.colour, 'one', '?'], 2),
      answer: o.shape,
      about: [o],
    });
  }
  qs.push({
    type: 'count',
    words: ['how', 'many', 'shapes', '?'],
    answer: ['one', 'two', 'three'][objs.length - 1],
    about: [],
  });
  for (const a of objs) {
    for (const b of objs) {
      if (a === b) continue;
      const [ax, ay] = centre(a);
      const [bx, by] = centre(b);
      if (Math.abs(ax - bx) >= 5) {
        qs.push({
          type: 'position',
          words: ending(
            ['is', 'the', a.colour, 'one', 'left', 'or', 'right', 'of', 'the', b.colour, 'one', '?'],
            2,
          ),
          answer: ax < bx ? 'left' : 'right',
          about: [a, b],
        });
      }
      if (Math.abs(ay - by) >= 5) {
        qs.push({
          type: 'position',
          words: ending(
            ['is', 'the', a.colour, 'one', 'above', 'or', 'below', 'the', b.colour, 'one', '?'],
            2,
          ),
          answer: ay < by ? 'above' : 'below',
          about: [a, b],
        });
      }
    }
  }
  qs.push({
    type: 'aspect',
    words: ['is', 'the', 'picture', 'wider', 'or', 'taller', '?'],
    answer: scene.width > scene.height ? 'wider' : 'taller',
    about: [],
  });
  return qs;
}

export const isHeldOutObject = (o: SceneObject): boolean => isHeldOut(o.colour, o.shape);

/**
 * Which questions of a held-out picture are scored. Position questions must involve the unseen
 * object (scene.objects[0]); count and aspect questions count it or ignore it; colour and shape
 * questions are about the other, seen objects with the unseen one in the picture. Colour or shape
 * questions about the unseen object itself are left to `unseenAttributeExample`: training never
 * shows, say, a red triangle, so "what colour is the triangle?" → red has probability zero under
 * the training distribution, whatever the picture shows.
 */
function scoredOnHeldOut(q: Question, scene: Scene): boolean {
  if (q.type === 'position') return q.about.includes(scene.objects[0]);
  if (q.type === 'colour' || q.type === 'shape') return !q.about.some(isHeldOutObject);
  return true;
}

/** How `randomExample` draws a picture and its questions (every field optional). */
export interface ExampleOptions {
  /** Further questions about the same picture (training), asked after the first in one sequence. */
  more?: number;
  phrasing?: Phrasing;
  /**
   * Relative frequency of each question type (training only; uniform when left out). With weights,
   * the further questions are drawn by type weight too, any type, each question at most once.
   */
  typeWeights?: Readonly<Record<QuestionType, number>>;
  /** At most this many objects per picture (1–3, default 3; e.g. 1 for a curriculum's first steps). */
  maxObjects?: number;
}

/**
 * For each object, where its centre is, in cells of `GROUNDING_CELL` pixels of the picture as
 * shown (`shown`, e.g. square-resized; the scene itself by default): "where across is the red" → x2
 * and "where down is the red" → y1 (with 'natural' phrasing, "… red one ?"). A training signal in
 * the role of the grounding data in Kimi-VL's pretraining mix: it teaches a colour word to fetch
 * its object's place, which position questions then compare. Never scored.
 */
export function groundingQuestions(
  scene: Scene,
  phrasing: Phrasing = 'natural',
  shown: { width: number; height: number } = scene,
): Question[] {
  const tail = phrasing === 'natural' ? ['one', '?'] : [];
  const cell = (v: number, from: number, to: number) =>
    Math.min(MAX_CELLS - 1, Math.floor((v * to) / from / GROUNDING_CELL));
  return scene.objects.flatMap((o) => {
    const [cx, cy] = centre(o);
    const about = [o];
    return [
      {
        type: 'where' as const,
        words: ['where', 'across', 'is', 'the', o.colour, ...tail],
        answer: CELL_WORDS.x[cell(cx, scene.width, shown.width)],
        about,
      },
      {
        type: 'where' as const,
        words: ['where', 'down', 'is', 'the', o.colour, ...tail],
        answer: CELL_WORDS.y[cell(cy, scene.height, shown.height)],
        about,
      },
    ];
  });
}

/** A type drawn by `weights` among those with questions left in `pool`; undefined when the pool is empty. */
function weightedType(
  rng: Rng,
  pool: readonly Question[],
  weights: Readonly<Record<QuestionType, number>>,
): QuestionType | undefined {
  const w = QUESTION_TYPES.map((t) => (pool.some((q) => q.type === t) ? weights[t] : 0));
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  return QUESTION_TYPES[rng.categorical(w.map((x) => x / total))];
}

/**
 * A training or held-out example: a random scene and one of its questions, the question type
 * drawn first (uniformly unless `typeWeights` says otherwise), then a question of that type.
 * Training examples carry up to `more` further questions about the same picture (of other types
 * than the first when the types are uniform). The phrasing changes only the words: the same seed
 * gives the same pictures, questions and answers in every phrasing.
 */
export function randomExample(rng: Rng, heldOut: boolean, o: ExampleOptions = {}): Example {
  const more = o.more ?? 0;
  for (;;) {
    const scene = randomScene(rng, heldOut, o.maxObjects ?? 3);
    const all = questionsFor(scene, o.phrasing).filter((q) => !heldOut || scoredOnHeldOut(q, scene));
    if (o.typeWeights) {
      const weights = o.typeWeights;
      const asked: Question[] = [];
      let pool = all;
      while (asked.length < 1 + more) {
        const type = weightedType(rng, pool, weights);
        if (type === undefined) break;
        const of = pool.filter((q) => q.type === type);
        const q = of[rng.int(of.length)];
        asked.push(q);
        pool = pool.filter((p) => p !== q);
      }
      if (asked.length === 0) continue;
      const [question, ...others] = asked;
      return more > 0 ? { scene, question, more: others } : { scene, question };
    }
    const type = QUESTION_TYPES[rng.int(QUESTION_TYPES.length)];
    const of = all.filter((q) => q.type === type);
    if (of.length === 0) continue;
    const question = of[rng.int(of.length)];
    const others = rng.shuffle(all.filter((q) => q.type !== type)).slice(0, more);
    return more > 0 ? { scene, question, more: others } : { scene, question };
  }
}

/** A held-out picture with a colour or shape question about its unseen object (a diagnostic, not scored). */
export function unseenAttributeExample(rng: Rng, phrasing: Phrasing = 'natural'): Example {
  for (;;) {
    const scene = randomScene(rng, true);
    const of = questionsFor(scene, phrasing).filter(
      (q) => (q.type === 'colour' || q.type === 'shape') && q.about[0] === scene.objects[0],
    );
    if (of.length > 0) return { scene, question: of[rng.int(of.length)] };
  }
}

/** Every word of the task, for the vocabulary. */
export const WORDS: readonly string[] = [
  ...new Set([
    'what',
    'colour',
    'is',
    'the',
    'shape',
    'one',
    '?',
    'how',
    'many',
    'shapes',
    'left',
    'or',
    'right',
    'of',
    'above',
    'below',
    'picture',
    'wider',
    'taller',
    'two',
    'three',
    ...COLOURS,
    ...SHAPES,
    'where',
    'across',
    'down',
    ...CELL_WORDS.x,
    ...CELL_WORDS.y,
  ]),
];

/**
 * Per merged image token (cells of `cell`×`cell` pixels, row-major over a ⌈H/cell⌉×⌈W/cell⌉ grid),
 * the colour and shape of the object that covers most of the cell's pixels, as indices into
 * COLOURS and SHAPES plus one (0: no object in the cell). Read from the pixel colours (each object
 * has its own), so it also holds for resized pictures.
 */
export function cellLabels(scene: Scene, cell: number): { colour: number[]; shape: number[] } {
  const rows = Math.ceil(scene.height / cell);
  const cols = Math.ceil(scene.width / cell);
  const byRgb = new Map(scene.objects.map((o) => [RGB[o.colour].join(','), o]));
  const tally = Array.from({ length: rows * cols }, () => new Map<SceneObject, number>());
  for (let y = 0; y < scene.height; y++) {
    for (let x = 0; x < scene.width; x++) {
      const i = (y * scene.width + x) * 3;
      const o = byRgb.get(`${scene.pixels[i]},${scene.pixels[i + 1]},${scene.pixels[i + 2]}`);
      if (!o) continue;
      const t = tally[Math.floor(y / cell) * cols + Math.floor(x / cell)];
      t.set(o, (t.get(o) ?? 0) + 1);
    }
  }
  const colour: number[] = [];
  const shape: number[] = [];
  for (const t of tally) {
    let best: SceneObject | undefined;
    for (const [o, n] of t) if (!best || n > (t.get(best) ?? 0)) best = o;
    colour.push(best ? COLOURS.indexOf(best.colour) + 1 : 0);
    shape.push(best ? SHAPES.indexOf(best.shape) + 1 : 0);
  }
  return { colour, shape };
}

/** Nearest-neighbour resize of a scene's pixels to side×side (the square-resized comparison). */
export function squareResized(scene: Scene, side: number): Scene {
  const img = new Raster(side, side, [0, 0, 0]);
  for (let y = 0; y < side; y++) {
    const sy = Math.min(scene.height - 1, Math.floor(((y + 0.5) * scene.height) / side));
    for (let x = 0; x < side; x++) {
      const sx = Math.min(scene.width - 1, Math.floor(((x + 0.5) * scene.width) / side));
      const i = (sy * scene.width + sx) * 3;
      img.setPixel(x, y, [scene.pixels[i], scene.pixels[i + 1], scene.pixels[i + 2]]);
    }
  }
  return { ...scene, width: side, height: side, pixels: img.pixels };
}
