import { parseCommand, usage } from '@tessera/app-kit';

export const MODELS = ['mlp', 'cnn'] as const;
export type ModelName = (typeof MODELS)[number];

export interface CliOptions {
  models: ModelName[];
  device: 'cpu' | 'webgpu';
  /** Epochs per model; undefined: each model's default. */
  epochs: number | undefined;
  seed: number;
  out: string;
  /** Batch size override; undefined: each model's default. */
  batchSize: number | undefined;
  /** Train on only the first N training digits (smoke tests). */
  limit: number | undefined;
  /** No progress bar (logs and tests). */
  quiet: boolean;
  /** Also write each trained model as ONNX (dynamic batch), for onnxruntime. */
  onnx: boolean;
}

export const COMMAND = {
  name: 'mnist',
  summary:
    'trains an MLP and/or a CNN on MNIST and reports test accuracy (pnpm --filter @tessera/app-mnist start -- [options])',
  options: {
    model: {
      type: 'string',
      choices: ['mlp', 'cnn', 'both'],
      default: 'both',
      help: 'which model(s) to train',
    },
    device: { type: 'string', choices: ['cpu', 'webgpu'], default: 'cpu', help: 'where to train' },
    epochs: { type: 'number', integer: true, min: 1, help: 'epochs per model (default: mlp 28, cnn 13)' },
    'batch-size': { type: 'number', integer: true, min: 1, help: 'batch size (default: mlp 128, cnn 64)' },
    seed: {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'seed for initialization, shuffling and augmentation',
    },
    out: { type: 'string', help: 'where to write weights and pictures (default ./out)' },
    limit: { type: 'number', integer: true, min: 1, help: 'train on the first N training digits only' },
    quiet: { type: 'boolean', help: 'no progress bar' },
    onnx: { type: 'boolean', help: 'also write each trained model as mnist-<model>.onnx (any batch size)' },
  },
} as const;

export const USAGE = usage(COMMAND);

export function parseCli(argv: readonly string[], defaultOut: string): CliOptions & { help: boolean } {
  const o = parseCommand(COMMAND, argv);
  return {
    models: o.model === 'both' ? [...MODELS] : [o.model as ModelName],
    device: o.device as 'cpu' | 'webgpu',
    epochs: o.epochs,
    batchSize: o['batch-size'],
    seed: o.seed,
    out: o.out ?? defaultOut,
    limit: o.limit,
    quiet: o.quiet,
    onnx: o.onnx,
    help: o.help,
  };
}
