import { type CommandSpec, type ParsedOptions, parseCommand } from '@tessera/app-kit';

/** The command line: parsed and checked by app-kit's `parseCommand`, which also writes `--help`. */
export const COMMAND = {
  name: 'tiny-gpt',
  summary:
    'trains a small decoder-only transformer on n-digit additions (answers reversed) and reports exact-match accuracy on held-out problems',
  options: {
    device: { type: 'string', help: 'where to run', default: 'cpu', choices: ['cpu', 'webgpu'] },
    steps: { type: 'number', help: 'training steps', default: 500, integer: true, min: 1 },
    digits: { type: 'number', help: 'digits per operand', default: 2, integer: true, min: 1, max: 6 },
    batch: { type: 'number', help: 'problems per step', default: 64, integer: true, min: 1 },
    dim: { type: 'number', help: 'model width', default: 48, integer: true, min: 1 },
    layers: { type: 'number', help: 'decoder blocks', default: 2, integer: true, min: 1 },
    heads: { type: 'number', help: 'attention heads', default: 4, integer: true, min: 1 },
    'kv-heads': {
      type: 'number',
      help: 'key/value heads (grouped-query)',
      default: 2,
      integer: true,
      min: 1,
    },
    lr: { type: 'number', help: 'peak learning rate', default: 0.01, min: 0 },
    test: { type: 'number', help: 'held-out problems', default: 500, integer: true, min: 1 },
    samples: {
      type: 'number',
      help: 'sampled completions shown at the end',
      default: 4,
      integer: true,
      min: 0,
    },
    temperature: {
      type: 'number',
      help: 'sampling temperature of the shown completions',
      default: 0.7,
      min: 0,
    },
    'top-k': {
      type: 'number',
      help: 'sample among the k most likely tokens',
      default: 3,
      integer: true,
      min: 1,
    },
    autocast: {
      type: 'string',
      help: 'mixed precision: the forward pass from f16 (with dynamic loss scaling) or bf16 inputs',
      default: 'off',
      choices: ['off', 'f16', 'bf16'],
    },
    tied: { type: 'boolean', help: 'tie the output head to the token embedding' },
    'no-qk-norm': { type: 'boolean', help: 'no RMSNorm on queries and keys (QK-norm is on by default)' },
    'rotary-only': { type: 'boolean', help: 'no learned absolute position embeddings, only rotary' },
    seed: {
      type: 'number',
      help: "seed of the corpus, the model's initialization and sampling",
      default: 1,
      integer: true,
    },
  },
} as const satisfies CommandSpec;

export type CliOptions = ParsedOptions<typeof COMMAND>;

/** Parses the command line (`--` from `pnpm start -- …` is skipped); errors end with the usage text. */
export function parseCli(argv: readonly string[]): CliOptions {
  return parseCommand(COMMAND, argv);
}
