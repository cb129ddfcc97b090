import { parseCommand, usage } from '@tessera/app-kit';

export const COMMAND = {
  name: 'vlm',
  summary:
    'trains a Kimi-VL-style vision-language model (native-resolution ViT, pixel-shuffle projector, MoE decoder) on synthetic pictures and evaluates it on held-out colour–shape combinations, native vs square-resized (pnpm --filter @tessera/app-vlm start -- [options])',
  options: {
    steps: { type: 'number', integer: true, min: 1, default: 800, help: 'training steps' },
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
    questions: {
      type: 'number',
      integer: true,
      min: 1,
      max: 5,
      default: 4,
      help: 'questions per training picture (one sequence: picture, then question–answer pairs)',
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
  questions: number;
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
    questions: o.questions,
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
