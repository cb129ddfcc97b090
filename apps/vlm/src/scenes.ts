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
  type: QuestionType;
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
 * A random scene. `heldOut` false: no object is a held-out colour–shape pair; true: at least one
 * is (the first object).
 */
export function randomScene(rng: Rng, heldOut: boolean): Scene {
  const { width, height } = pickSize(rng);
  const boxes = placeBoxes(rng, width, height, 1 + rng.int(3));
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

const centre = (o: SceneObject) => [o.x + o.size / 2, o.y + o.size / 2] as const;

/**
 * Every question the scene answers unambiguously. Colour questions name a shape that occurs once;
 * position questions need the two centres at least 5 px apart along the asked axis.
 */
export function questionsFor(scene: Scene): Question[] {
  const qs: Question[] = [];
  const objs = scene.objects;
  for (const o of objs) {
    if (objs.filter((p) => p.shape === o.shape).length === 1) {
      qs.push({
        type: 'colour',
        words: ['what', 'colour', 'is', 'the', o.shape, '?'],
        answer: o.colour,
        about: [o],
      });
    }
    qs.push({
      type: 'shape',
      words: ['what', 'shape', 'is', 'the', o.colour, 'one', '?'],
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
          words: ['is', 'the', a.colour, 'one', 'left', 'or', 'right', 'of', 'the', b.colour, 'one', '?'],
          answer: ax < bx ? 'left' : 'right',
          about: [a, b],
        });
      }
      if (Math.abs(ay - by) >= 5) {
        qs.push({
          type: 'position',
          words: ['is', 'the', a.colour, 'one', 'above', 'or', 'below', 'the', b.colour, 'one', '?'],
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

/**
 * A training or held-out example: a random scene and one of its questions, the question type
 * drawn uniformly first (so every type is equally common), then a question of that type. Training
 * examples carry up to `more` further questions of other types about the same picture.
 */
export function randomExample(rng: Rng, heldOut: boolean, more = 0): Example {
  for (;;) {
    const scene = randomScene(rng, heldOut);
    const type = QUESTION_TYPES[rng.int(QUESTION_TYPES.length)];
    const all = questionsFor(scene).filter((q) => !heldOut || scoredOnHeldOut(q, scene));
    const of = all.filter((q) => q.type === type);
    if (of.length === 0) continue;
    const question = of[rng.int(of.length)];
    const others = rng.shuffle(all.filter((q) => q.type !== type)).slice(0, more);
    return more > 0 ? { scene, question, more: others } : { scene, question };
  }
}

/** A held-out picture with a colour or shape question about its unseen object (a diagnostic, not scored). */
export function unseenAttributeExample(rng: Rng): Example {
  for (;;) {
    const scene = randomScene(rng, true);
    const of = questionsFor(scene).filter(
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
  ]),
];

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
