import type { CommandSpec, ParsedOptions } from '@tessera/app-kit';

export const MODEL_NAMES = ['fvsbn', 'nade', 'made'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const SPEC = {
  name: 'mnist-density',
  summary: 'trains FVSBN, NADE and MADE on binarized MNIST and reports exact NLLs in nats',
  options: {
    models: { type: 'string', default: 'fvsbn,nade,made', help: 'comma-separated models to train' },
    binarize: {
      type: 'string',
      choices: ['threshold', 'stochastic'],
      default: 'threshold',
      help: 'pixels > 0.5, or Bernoulli(intensity) with --seed',
    },
    validation: {
      type: 'number',
      integer: true,
      min: 1,
      default: 1000,
      help: 'training digits held out for early stopping',
    },
    'max-epochs': { type: 'number', integer: true, min: 1, default: 200, help: 'epochs per model at most' },
    patience: {
      type: 'number',
      integer: true,
      min: 1,
      default: 8,
      help: 'epochs without a better validation NLL before stopping',
    },
    minutes: { type: 'number', min: 0.01, default: 30, help: 'training time per model at most (minutes)' },
    'nade-hidden': { type: 'number', integer: true, min: 1, default: 500, help: 'NADE hidden units' },
    'made-hidden': { type: 'string', default: '500', help: 'MADE hidden layer sizes, comma-separated' },
    'made-masks': { type: 'number', integer: true, min: 1, default: 16, help: 'MADE mask sets K' },
    'made-ordering': {
      type: 'string',
      choices: ['natural', 'random'],
      default: 'natural',
      help: 'MADE orderings',
    },
    lr: {
      type: 'number',
      min: 0,
      help: "Adam's learning rate for every model (default: each model's recipe)",
    },
    'batch-size': {
      type: 'number',
      integer: true,
      min: 1,
      help: "batch size for every model (default: each model's recipe)",
    },
    'made-direct': {
      type: 'boolean',
      help: 'MADE with direct input → output connections (masked like the output layer)',
    },
    limit: {
      type: 'number',
      integer: true,
      min: 2,
      help: 'use only the first N training digits (smoke runs)',
    },
    threads: { type: 'number', integer: true, min: 1, help: 'CPU threads (default: every core)' },
    seed: {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'seed of initialization, shuffling, masks and samples',
    },
    out: { type: 'string', default: 'out', help: 'where to write weights and pictures' },
    weights: {
      type: 'string',
      help: 'evaluate and draw the <model>.safetensors saved in this directory instead of training',
    },
    quiet: { type: 'boolean', help: 'no progress bar' },
  },
} as const satisfies CommandSpec;

export type Options = ParsedOptions<typeof SPEC>;

/** The models named by --models, checked. */
export function chosenModels(list: string): ModelName[] {
  const names = list.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(MODEL_NAMES as readonly string[]).includes(name))
      throw new Error(`mnist-density: --models lists '${name}'; choose from ${MODEL_NAMES.join(', ')}`);
  }
  return names as ModelName[];
}

/** Hidden layer sizes from --made-hidden, checked. */
export function hiddenSizes(list: string): number[] {
  const sizes = list.split(',').map(Number);
  if (sizes.some((h) => !(Number.isInteger(h) && h >= 1)))
    throw new Error(`mnist-density: --made-hidden needs positive integers, got '${list}'`);
  return sizes;
}
