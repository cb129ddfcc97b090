import { parseArgs } from 'node:util';

export const ALGORITHMS = [
  'value-iteration',
  'policy-iteration',
  'truncated-pi',
  'mc-basic',
  'mc-es',
  'mc-egreedy',
  'sarsa',
  'q-learning',
  'sa',
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface CliOptions {
  algo: Algorithm;
  rBoundary: number;
  rForbidden: number;
  rTarget: number;
  rOther: number;
  gamma: number;
  epsilon: number;
  alpha: number;
  /** Undefined means the algorithm's own default. */
  episodeLength: number | undefined;
  episodes: number | undefined;
  seed: number;
  out: string;
  help: boolean;
}

export const USAGE = `Usage: pnpm --filter @tessera/app-gridworld start -- --algo <name> [options]

  --algo            ${ALGORITHMS.join(' | ')}   (default value-iteration)
  --r-boundary      reward for bumping into the boundary   (default -1)
  --r-forbidden     reward for entering a forbidden cell   (default -1)
  --r-target        reward for entering/staying at target  (default 1)
  --r-other         reward for any other move              (default 0)
  --gamma           discount rate in [0, 1)                (default 0.9)
  --epsilon         exploration rate for mc-egreedy, sarsa (default 0.1)
  --alpha           learning rate for sarsa, q-learning    (default 0.1)
  --episode-length  steps per episode                      (default per algorithm)
  --episodes        number of episodes                     (default per algorithm)
  --seed            random seed                            (default 1)
  --out             output directory                       (default apps/gridworld/out)
`;

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x)) throw new Error(`--${name} must be a number, got '${raw}'`);
  return x;
}

function positiveInteger(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const x = Number(raw);
  if (!(Number.isInteger(x) && x >= 1)) throw new Error(`--${name} must be a positive integer, got '${raw}'`);
  return x;
}

/**
 * node:util's parseArgs reads `--r-forbidden -10` as two flags; rewrite such pairs as `--r-forbidden=-10`
 * so negative rewards can be given the natural way.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i].startsWith('--') && !args[i].includes('=') && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** Parses and checks the command line; throws an Error naming the flag and value on bad input. */
export function parseCli(argv: readonly string[], defaultOut: string): CliOptions {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args: joinNegativeValues(argv.filter((a) => a !== '--')),
    options: {
      algo: str,
      'r-boundary': str,
      'r-forbidden': str,
      'r-target': str,
      'r-other': str,
      gamma: str,
      epsilon: str,
      alpha: str,
      'episode-length': str,
      episodes: str,
      seed: str,
      out: str,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const algo = values.algo ?? 'value-iteration';
  if (!(ALGORITHMS as readonly string[]).includes(algo)) {
    throw new Error(`--algo must be one of ${ALGORITHMS.join(', ')}, got '${algo}'`);
  }
  const gamma = number('gamma', values.gamma, 0.9);
  if (!(gamma >= 0 && gamma < 1)) throw new Error(`--gamma must be in [0, 1), got ${gamma}`);
  const epsilon = number('epsilon', values.epsilon, 0.1);
  if (!(epsilon >= 0 && epsilon <= 1)) throw new Error(`--epsilon must be in [0, 1], got ${epsilon}`);
  const alpha = number('alpha', values.alpha, 0.1);
  if (!(alpha > 0 && alpha <= 1)) throw new Error(`--alpha must be in (0, 1], got ${alpha}`);
  const seed = number('seed', values.seed, 1);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${seed}`);
  return {
    algo: algo as Algorithm,
    rBoundary: number('r-boundary', values['r-boundary'], -1),
    rForbidden: number('r-forbidden', values['r-forbidden'], -1),
    rTarget: number('r-target', values['r-target'], 1),
    rOther: number('r-other', values['r-other'], 0),
    gamma,
    epsilon,
    alpha,
    episodeLength: positiveInteger('episode-length', values['episode-length']),
    episodes: positiveInteger('episodes', values.episodes),
    seed,
    out: values.out ?? defaultOut,
    help: values.help ?? false,
  };
}
