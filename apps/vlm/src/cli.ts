import { parseCommand, usage } from '@tessera/app-kit';
import { type Phrasing, QUESTION_TYPES, type QuestionType } from './scenes.js';

export const COMMAND = {
  name: 'vlm',
  summary:
    'trains a Kimi-VL-style vision-language model (native-resolution ViT, pixel-shuffle projector, MoE decoder) on synthetic pictures and evaluates it on held-out colour–shape combinations, native vs square-resized (pnpm --filter @tessera/app-vlm start -- [options])',
  options: {
    steps: { type: 'number', integer: true, min: 1, default: 1000, help: 'training steps' },
    batch: {
      type: 'number',
      integer: true,
      min: 1,
      default: 24,
      help: 'pictures per step',
    },
    lr: { type: 'number', min: 0, default: 3e-3, help: 'peak learning rate (AdamW, warmup then cosine)' },
    'vit-dim': {
      type: 'number',
      integer: true,
      min: 8,
      default: 64,
      help: 'encoder width (heads = width/16)',
    },
    layers: { type: 'number', integer: true, min: 1, default: 2, help: 'decoder blocks' },
    positions: {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'learned absolute positions of the decoder for the text tokens, e.g. 64 with --order question-first (0: 1-D rotary only)',
    },
    'image-positions': {
      type: 'number',
      integer: true,
      min: 0,
      default: 16,
      help: 'learned (row, column) vectors added to the image tokens in the decoder, for merged grids up to N×N (0: none)',
    },
    'no-image-coords': {
      type: 'boolean',
      help: 'leave out the ordered (x, y) signal of the image tokens (their centred column and row through a learned linear map)',
    },
    grounding: {
      type: 'number',
      integer: true,
      min: 0,
      default: 2,
      help: 'grounding questions per training picture ("where across is the red" → x2; a training signal, never scored; 0: none)',
    },
    questions: {
      type: 'number',
      integer: true,
      min: 1,
      max: 16,
      default: 8,
      help: 'questions per training picture (one sequence: picture, then question–answer pairs)',
    },
    phrasing: {
      type: 'string',
      choices: ['natural', 'name-last'],
      default: 'name-last',
      help: 'how questions are worded: \'natural\' ("what shape is the green one ?") or \'name-last\' ("what shape is the green": the answer is predicted at the word that names the object)',
    },
    'type-weights': {
      type: 'string',
      default: '2,2,0.5,2,0.5',
      help: 'relative frequency of the question types colour,shape,count,position,aspect in training (evaluation stays uniform)',
    },
    'one-object-steps': {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'curriculum: the first N training steps draw one-object pictures only',
    },
    'token-loss': {
      type: 'number',
      min: 0,
      default: 1,
      help: "weight of the auxiliary loss that reads each image token's colour and shape with linear heads (0: none)",
    },
    'held-out': { type: 'number', integer: true, min: 1, default: 600, help: 'held-out questions' },
    'square-side': {
      type: 'number',
      integer: true,
      min: 8,
      default: 32,
      help: 'side of the square-resized pictures of the comparison',
    },
    'square-model': {
      type: 'boolean',
      help: 'also train a second model on square-resized pictures (doubles the training time)',
    },
    'loss-on': {
      type: 'string',
      choices: ['answers', 'text'],
      default: 'answers',
      help: 'text targets of the loss: the answers only, or every question word and answer',
    },
    order: {
      type: 'string',
      choices: ['question-first', 'image-first'],
      default: 'image-first',
      help: 'question before the picture (one sequence per question) or after it (one sequence per picture)',
    },
    'no-row-tokens': { type: 'boolean', help: 'leave out the <row> token after each row of image tokens' },
    device: { type: 'string', choices: ['cpu', 'webgpu'], default: 'cpu', help: 'where to train' },
    seed: { type: 'number', integer: true, min: 0, default: 0, help: 'seed' },
    out: { type: 'string', help: 'where the example page and results go (default ./out)' },
    quiet: { type: 'boolean', help: 'no progress bars' },
  },
} as const;

export const USAGE = usage(COMMAND);

export interface CliOptions {
  steps: number;
  batch: number;
  lr: number;
  vitDim: number;
  layers: number;
  positions: number;
  imagePositions: number;
  imageCoords: boolean;
  grounding: number;
  questions: number;
  phrasing: Phrasing;
  /** Relative training frequency per question type; undefined: uniform. */
  typeWeights: Record<QuestionType, number> | undefined;
  oneObjectSteps: number;
  tokenLoss: number;
  heldOut: number;
  squareSide: number;
  squareModel: boolean;
  rowTokens: boolean;
  order: 'question-first' | 'image-first';
  lossOn: 'answers' | 'text';
  device: 'cpu' | 'webgpu';
  seed: number;
  out: string;
  quiet: boolean;
}

export function parseCli(argv: readonly string[], defaultOut: string): CliOptions & { help: boolean } {
  const o = parseCommand(COMMAND, argv);
  return {
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    vitDim: o['vit-dim'],
    layers: o.layers,
    positions: o.positions,
    imagePositions: o['image-positions'],
    imageCoords: !o['no-image-coords'],
    grounding: o.grounding,
    questions: o.questions,
    phrasing: o.phrasing as Phrasing,
    typeWeights: parseTypeWeights(o['type-weights']),
    oneObjectSteps: o['one-object-steps'],
    tokenLoss: o['token-loss'],
    heldOut: o['held-out'],
    squareSide: o['square-side'],
    squareModel: o['square-model'],
    rowTokens: !o['no-row-tokens'],
    order: o.order as CliOptions['order'],
    lossOn: o['loss-on'] as CliOptions['lossOn'],
    device: o.device as CliOptions['device'],
    seed: o.seed,
    out: o.out ?? defaultOut,
    quiet: o.quiet,
    help: o.help,
  };
}

/**
 * `--type-weights`: five non-negative numbers, one per question type in the order of
 * QUESTION_TYPES, not all zero; all equal means uniform (undefined).
 */
export function parseTypeWeights(text: string): Record<QuestionType, number> | undefined {
  const w = text.split(',').map((x) => Number(x.trim()));
  if (
    w.length !== QUESTION_TYPES.length ||
    w.some((x) => !Number.isFinite(x) || x < 0) ||
    !w.some((x) => x > 0)
  ) {
    throw new Error(
      `vlm: --type-weights needs ${QUESTION_TYPES.length} non-negative numbers, not all zero, for ${QUESTION_TYPES.join(',')}; got '${text}'`,
    );
  }
  if (w.every((x) => x === w[0])) return undefined;
  return Object.fromEntries(QUESTION_TYPES.map((t, i) => [t, w[i]])) as Record<QuestionType, number>;
}
