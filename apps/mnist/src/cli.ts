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
}

export const USAGE = `Usage: pnpm --filter @tessera/app-mnist start -- [options]

  --model mlp|cnn|both   which model(s) to train (default both)
  --device cpu|webgpu    where to train (default cpu)
  --epochs N             epochs per model (default: mlp 28, cnn 13)
  --batch-size N         batch size (default: mlp 128, cnn 64)
  --seed N               seed for initialization, shuffling and augmentation (default 0)
  --out DIR              where to write weights and pictures (default ./out)
  --limit N              train on the first N training digits only
  --quiet                no progress bar
`;

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min)
    throw new Error(`${flag} needs an integer ≥ ${min}, got ${v}`);
  return n;
}

export function parseCli(argv: readonly string[], defaultOut: string): CliOptions {
  const o: CliOptions = {
    models: [...MODELS],
    device: 'cpu',
    epochs: undefined,
    batchSize: undefined,
    seed: 0,
    out: defaultOut,
    limit: undefined,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--model':
        if (value === 'both') o.models = [...MODELS];
        else if (value === 'mlp' || value === 'cnn') o.models = [value];
        else throw new Error(`--model must be mlp, cnn or both, got ${value}`);
        i++;
        break;
      case '--device':
        if (value !== 'cpu' && value !== 'webgpu')
          throw new Error(`--device must be cpu or webgpu, got ${value}`);
        o.device = value;
        i++;
        break;
      case '--epochs':
        o.epochs = int(flag, value, 1);
        i++;
        break;
      case '--batch-size':
        o.batchSize = int(flag, value, 1);
        i++;
        break;
      case '--seed':
        o.seed = int(flag, value, 0);
        i++;
        break;
      case '--out':
        if (value === undefined) throw new Error('--out needs a directory');
        o.out = value;
        i++;
        break;
      case '--limit':
        o.limit = int(flag, value, 1);
        i++;
        break;
      case '--quiet':
        o.quiet = true;
        break;
      case '--':
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return o;
}
