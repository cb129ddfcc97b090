export interface CliOptions {
  device: 'cpu' | 'webgpu';
  steps: number;
  digits: number;
  batch: number;
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  lr: number;
  seed: number;
  test: number;
  samples: number;
  temperature: number;
  topK: number;
  tied: boolean;
  qkNorm: boolean;
  learnedPositions: boolean;
  help: boolean;
}

export const USAGE = `tiny-gpt: trains a small decoder-only transformer on n-digit additions (answers reversed)
and reports exact-match accuracy on held-out problems.

  --device cpu|webgpu   where to run (default cpu)
  --steps N             training steps (default 500)
  --digits N            digits per operand (default 2)
  --batch N             problems per step (default 64)
  --dim N --layers N --heads N --kv-heads N   model size (default 48, 2, 4, 2)
  --lr X                peak learning rate (default 0.01)
  --test N              held-out problems (default 500)
  --samples N --temperature X --top-k N   sampled completions shown at the end (default 4, 0.7, 3)
  --tied                tie the output head to the token embedding
  --qk-norm             RMSNorm on queries and keys (bounds the attention logits)
  --rotary-only         no learned absolute position embeddings, only rotary
  --seed N              seed of the corpus and of the model's initialization (default 1)
`;

export function parseCli(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    device: 'cpu',
    steps: 500,
    digits: 2,
    batch: 64,
    dim: 48,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    lr: 1e-2,
    seed: 1,
    test: 500,
    samples: 4,
    temperature: 0.7,
    topK: 3,
    tied: false,
    qkNorm: false,
    learnedPositions: true,
    help: false,
  };
  const numeric: Record<string, keyof CliOptions> = {
    '--steps': 'steps',
    '--digits': 'digits',
    '--batch': 'batch',
    '--dim': 'dim',
    '--layers': 'layers',
    '--heads': 'heads',
    '--kv-heads': 'kvHeads',
    '--lr': 'lr',
    '--seed': 'seed',
    '--test': 'test',
    '--samples': 'samples',
    '--temperature': 'temperature',
    '--top-k': 'topK',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // pnpm passes the `--` of `pnpm start -- --steps 50` through.
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') o.help = true;
    else if (arg === '--tied') o.tied = true;
    else if (arg === '--qk-norm') o.qkNorm = true;
    else if (arg === '--rotary-only') o.learnedPositions = false;
    else if (arg === '--device') {
      const d = argv[++i];
      if (d !== 'cpu' && d !== 'webgpu') throw new Error(`--device must be cpu or webgpu, got ${d}`);
      o.device = d;
    } else if (arg in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value)) throw new Error(`${arg} needs a number, got ${argv[i]}`);
      (o as unknown as Record<string, number>)[numeric[arg]] = value;
    } else throw new Error(`unknown argument ${arg}\n\n${USAGE}`);
  }
  return o;
}
