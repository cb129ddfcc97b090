import { parseCommand, usage } from '@tessera/app-kit';

export const COMMAND = {
  name: 'early-fusion',
  summary:
    'trains a VQ-VAE tokenizer on MNIST and one decoder over caption words and image tokens (pnpm --filter @tessera/app-early-fusion start -- [options])',
  options: {
    mode: {
      type: 'string',
      choices: ['train', 'evaluate', 'stability'],
      default: 'train',
      help: "'train': tokenizer, classifier, decoder and evaluation; 'evaluate': the evaluation of the decoder saved in --out; 'stability': high-learning-rate runs with and without QK-norm and z-loss",
    },
    'tokenizer-steps': {
      type: 'number',
      integer: true,
      min: 1,
      default: 600,
      help: 'VQ-VAE training steps (batch 64)',
    },
    augment: {
      type: 'number',
      integer: true,
      min: 0,
      default: 4,
      help: 'randomly distorted copies of the training digits added to the decoder training data',
    },
    steps: { type: 'number', integer: true, min: 1, default: 3200, help: 'decoder training steps' },
    batch: { type: 'number', integer: true, min: 1, default: 32, help: 'sequences per decoder step' },
    dim: { type: 'number', integer: true, min: 8, default: 64, help: 'decoder width' },
    layers: { type: 'number', integer: true, min: 1, default: 4, help: 'decoder blocks' },
    lr: { type: 'number', min: 0, default: 6e-3, help: 'decoder peak learning rate' },
    'image-positions': {
      type: 'boolean',
      help: 'learned position embeddings that give an image token the same id (its place in the image block) in both directions, on top of rotary positions',
    },
    'caption-weight': {
      type: 'number',
      min: 0,
      default: 4,
      help: 'loss weight of the caption tokens of image → caption sequences',
    },
    'image-to-text': {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.7,
      help: 'fraction of image → caption sequences in a decoder batch (the rest caption → image)',
    },
    temperature: {
      type: 'number',
      min: 0,
      default: 0.5,
      help: 'sampling temperature of text → image generation',
    },
    guidance: {
      type: 'number',
      default: 2,
      help: 'classifier-free guidance scale of text → image (1: none; s: logits u + s·(c − u) against <boi> alone)',
    },
    'sample-seed': {
      type: 'number',
      integer: true,
      min: 0,
      help: 'seed of text → image sampling (default --seed)',
    },
    'top-k': {
      type: 'number',
      integer: true,
      min: 1,
      default: 10,
      help: 'text → image samples only among the k most likely tokens',
    },
    'classifier-epochs': {
      type: 'number',
      integer: true,
      min: 1,
      default: 13,
      help: 'epochs of the MNIST CNN when no weights are present',
    },
    'per-class': { type: 'number', integer: true, min: 1, default: 20, help: 'images generated per digit' },
    'stability-steps': {
      type: 'number',
      integer: true,
      min: 1,
      default: 60,
      help: 'steps of each stability run',
    },
    'stability-lr': {
      type: 'number',
      min: 0,
      default: 3e-2,
      help: 'the deliberately high learning rate of the stability runs',
    },
    limit: {
      type: 'number',
      integer: true,
      min: 1,
      help: 'evaluate captions on the first N test digits only',
    },
    seed: { type: 'number', integer: true, min: 0, default: 0, help: 'seed' },
    out: {
      type: 'string',
      help: 'where weights, tokens and pictures go; weights found there are reused (default ./out)',
    },
    quiet: { type: 'boolean', help: 'no progress bars' },
  },
} as const;

export const USAGE = usage(COMMAND);

export interface CliOptions {
  mode: 'train' | 'evaluate' | 'stability';
  tokenizerSteps: number;
  augment: number;
  steps: number;
  batch: number;
  dim: number;
  layers: number;
  lr: number;
  captionWeight: number;
  imagePositions: boolean;
  imageToText: number;
  temperature: number;
  topK: number;
  guidance: number;
  sampleSeed: number | undefined;
  classifierEpochs: number;
  perClass: number;
  stabilitySteps: number;
  stabilityLr: number;
  limit: number | undefined;
  seed: number;
  out: string;
  quiet: boolean;
}

export function parseCli(argv: readonly string[], defaultOut: string): CliOptions & { help: boolean } {
  const o = parseCommand(COMMAND, argv);
  return {
    mode: o.mode as CliOptions['mode'],
    tokenizerSteps: o['tokenizer-steps'],
    augment: o.augment,
    steps: o.steps,
    batch: o.batch,
    dim: o.dim,
    layers: o.layers,
    lr: o.lr,
    captionWeight: o['caption-weight'],
    imagePositions: o['image-positions'],
    imageToText: o['image-to-text'],
    temperature: o.temperature,
    topK: o['top-k'],
    guidance: o.guidance,
    sampleSeed: o['sample-seed'],
    classifierEpochs: o['classifier-epochs'],
    perClass: o['per-class'],
    stabilitySteps: o['stability-steps'],
    stabilityLr: o['stability-lr'],
    limit: o.limit,
    seed: o.seed,
    out: o.out ?? defaultOut,
    quiet: o.quiet,
    help: o.help,
  };
}
