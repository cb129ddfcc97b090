import { parseCommand, usage } from '@tessera/app-kit';

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

const reward = (what: string, fallback: number) =>
  ({ type: 'number', default: fallback, help: what }) as const;

export const COMMAND = {
  name: 'gridworld',
  summary:
    'runs a @tessera/rl grid-world algorithm and draws its values and policy (pnpm --filter @tessera/app-gridworld start -- --algo NAME)',
  options: {
    algo: { type: 'string', choices: ALGORITHMS, default: 'value-iteration', help: 'the algorithm' },
    'r-boundary': reward('reward for bumping into the boundary', -1),
    'r-forbidden': reward('reward for entering a forbidden cell', -1),
    'r-target': reward('reward for entering/staying at the target', 1),
    'r-other': reward('reward for any other move', 0),
    gamma: { type: 'number', min: 0, default: 0.9, help: 'discount rate in [0, 1)' },
    epsilon: { type: 'number', min: 0, max: 1, default: 0.1, help: 'exploration rate for mc-egreedy, sarsa' },
    alpha: { type: 'number', max: 1, default: 0.1, help: 'learning rate in (0, 1] for sarsa, q-learning' },
    'episode-length': {
      type: 'number',
      integer: true,
      min: 1,
      help: 'steps per episode (default per algorithm)',
    },
    episodes: { type: 'number', integer: true, min: 1, help: 'number of episodes (default per algorithm)' },
    seed: { type: 'number', integer: true, default: 1, help: 'random seed' },
    out: { type: 'string', help: 'output directory (default apps/gridworld/out)' },
  },
} as const;

export const USAGE = usage(COMMAND);

/** Parses and checks the command line; throws an Error naming the flag and value on bad input. */
export function parseCli(argv: readonly string[], defaultOut: string): CliOptions {
  const o = parseCommand(COMMAND, argv);
  if (!(o.gamma < 1)) throw new Error(`--gamma must be in [0, 1), got ${o.gamma}`);
  if (!(o.alpha > 0)) throw new Error(`--alpha must be in (0, 1], got ${o.alpha}`);
  return {
    algo: o.algo as Algorithm,
    rBoundary: o['r-boundary'],
    rForbidden: o['r-forbidden'],
    rTarget: o['r-target'],
    rOther: o['r-other'],
    gamma: o.gamma,
    epsilon: o.epsilon,
    alpha: o.alpha,
    episodeLength: o['episode-length'],
    episodes: o.episodes,
    seed: o.seed,
    out: o.out ?? defaultOut,
    help: o.help,
  };
}
