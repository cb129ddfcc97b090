import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProgressBar, parseCommand, usage } from '@tessera/app-kit';
import { renderLineChartPng } from '@tessera/plot';
import { learningCurveChart, swingUp, swingUpStripPng } from './pictures.js';
import {
  type Algo,
  makeAgent,
  meanStd,
  type RunOptions,
  type RunResult,
  type RunSummary,
  trainOne,
} from './train.js';

export const COMMAND = {
  name: 'pendulum',
  summary: 'trains DDPG and TD3 on Pendulum-v1 over several seeds and evaluates them deterministically',
  options: {
    algo: {
      type: 'string',
      help: 'which agents to train',
      default: 'both',
      choices: ['both', 'ddpg', 'td3'],
    },
    seeds: { type: 'number', help: 'how many seeds per agent', default: 5, integer: true, min: 1 },
    'first-seed': {
      type: 'number',
      help: 'the first seed; the others follow it',
      default: 0,
      integer: true,
      min: 0,
    },
    steps: { type: 'number', help: 'environment steps per run', default: 20_000, integer: true, min: 1 },
    'eval-every': {
      type: 'number',
      help: 'steps between evaluations',
      default: 2_000,
      integer: true,
      min: 1,
    },
    'eval-episodes': {
      type: 'number',
      help: 'deterministic episodes per evaluation',
      default: 10,
      integer: true,
      min: 1,
    },
    hidden: { type: 'string', help: 'hidden widths of actor and critics, comma-separated', default: '64,64' },
    batch: { type: 'number', help: 'transitions per gradient step', default: 128, integer: true, min: 1 },
    'learning-starts': {
      type: 'number',
      help: 'random steps before learning',
      default: 5_000,
      integer: true,
      min: 0,
    },
    noise: {
      type: 'string',
      help: 'exploration noise',
      default: 'gaussian',
      choices: ['gaussian', 'ornstein-uhlenbeck'],
    },
    'noise-sigma': {
      type: 'number',
      help: 'exploration noise sigma on the [-1, 1] action',
      default: 0.1,
      min: 0,
    },
    threads: { type: 'number', help: 'CPU threads of each run', default: 1, integer: true, min: 1 },
    out: { type: 'string', help: 'output folder (default apps/pendulum/out)' },
    merge: {
      type: 'string',
      help: 'instead of training, combine the output folders of earlier runs (comma-separated)',
    },
    quiet: { type: 'boolean', help: 'no progress bars' },
  },
} as const;

const defaultOut = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'out');

export function parseOptions(argv: readonly string[]) {
  const o = parseCommand(COMMAND, argv);
  const hidden = o.hidden.split(',').map((x) => Number(x.trim()));
  if (hidden.length === 0 || !hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new Error(
      `pendulum: --hidden needs positive integers like 64,64, got '${o.hidden}'\n\n${usage(COMMAND)}`,
    );
  }
  const algos: Algo[] = o.algo === 'both' ? ['ddpg', 'td3'] : [o.algo as Algo];
  const run: RunOptions = {
    steps: o.steps,
    evalEvery: o['eval-every'],
    evalEpisodes: o['eval-episodes'],
    hidden,
    batchSize: o.batch,
    learningStarts: o['learning-starts'],
    noise: o.noise as RunOptions['noise'],
    noiseSigma: o['noise-sigma'],
    threads: o.threads,
  };
  const seeds = Array.from({ length: o.seeds }, (_, i) => o['first-seed'] + i);
  const merge =
    o.merge === undefined
      ? []
      : o.merge
          .split(',')
          .map((d) => d.trim())
          .filter((d) => d !== '');
  return { help: o.help, quiet: o.quiet, out: o.out ?? defaultOut, merge, algos, seeds, run };
}

/** The final table: one row per run, then a summary line per algorithm. */
export function resultTable(results: readonly RunSummary[], steps: number): string {
  const rows = [
    'algo  seed  final return (mean +/- std)   train s   cpu s   steps/s   eval s',
    ...results.map((r) => {
      const { mean, std } = meanStd(r.finalReturns);
      return [
        r.algo.toUpperCase().padEnd(4),
        String(r.seed).padStart(5),
        `${mean.toFixed(1)} +/- ${std.toFixed(1)}`.padStart(28),
        r.trainSeconds.toFixed(1).padStart(9),
        r.trainCpuSeconds.toFixed(1).padStart(7),
        (steps / r.trainSeconds).toFixed(0).padStart(9),
        r.evalSeconds.toFixed(1).padStart(8),
      ].join(' ');
    }),
  ];
  for (const algo of new Set(results.map((r) => r.algo))) {
    const runs = results.filter((r) => r.algo === algo);
    const means = runs.map((r) => meanStd(r.finalReturns).mean);
    const passed = means.filter((m) => m >= -200).length;
    const across = meanStd(means);
    rows.push(
      `${algo.toUpperCase()}: ${passed}/${runs.length} seeds >= -200; mean over seeds ${across.mean.toFixed(1)} +/- ${across.std.toFixed(1)}`,
    );
  }
  return rows.join('\n');
}

/** Writes the table, the learning curve, the swing-up of each algorithm's best seed, and the results. */
function report(
  out: string,
  run: RunOptions,
  results: readonly RunSummary[],
  agentOf: (r: RunSummary) => { predict(o: Float64Array): Float64Array },
): void {
  const table = resultTable(results, run.steps);
  console.log(`\n${table}`);
  writeFileSync(join(out, 'results.txt'), `${table}\n`);
  writeFileSync(join(out, 'results.json'), `${JSON.stringify({ options: run, results }, null, 2)}\n`);
  writeFileSync(
    join(out, 'learning-curve.png'),
    renderLineChartPng(learningCurveChart(results, run.evalEvery)),
  );
  const algos = (['ddpg', 'td3'] as const).filter((a) => results.some((r) => r.algo === a));
  const episodes = algos.map((algo) => {
    const runs = results.filter((r) => r.algo === algo);
    const best = runs.reduce((a, b) => (meanStd(b.finalReturns).mean > meanStd(a.finalReturns).mean ? b : a));
    const agent = agentOf(best);
    return swingUp(`${algo.toUpperCase()} seed ${best.seed}`, (o) => agent.predict(o));
  });
  writeFileSync(join(out, 'swing-up.png'), swingUpStripPng(episodes));
  const files = ['results.txt', 'results.json', 'learning-curve.png', 'swing-up.png'];
  console.log(`wrote ${files.map((f) => join(out, f)).join(', ')}`);
}

/** Combines the outputs of runs made apart (e.g. one process per algorithm) into one report. */
export function merge(folders: readonly string[], out: string): void {
  const parts = folders.map((dir) => {
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      options: RunOptions;
      results: RunSummary[];
    };
    return { dir, ...saved };
  });
  const run = parts[0].options;
  for (const p of parts) {
    if (p.options.steps !== run.steps || p.options.evalEvery !== run.evalEvery) {
      throw new Error(
        `pendulum --merge: ${p.dir} ran ${p.options.steps} steps evaluated every ${p.options.evalEvery}, ${parts[0].dir} ${run.steps} every ${run.evalEvery}`,
      );
    }
  }
  const home = new Map<RunSummary, (typeof parts)[number]>();
  for (const p of parts) for (const r of p.results) home.set(r, p);
  const results = parts.flatMap((p) => p.results);
  mkdirSync(out, { recursive: true });
  report(out, run, results, (r) => {
    const p = home.get(r) as (typeof parts)[number];
    const agent = makeAgent(r.algo, p.options, r.seed);
    agent.load(readFileSync(join(p.dir, `${r.algo}-seed${r.seed}.safetensors`)));
    return agent;
  });
}

/** Trains every algorithm on every seed, saves each agent, writes the report, and returns what it measured. */
export function trainAll(options: ReturnType<typeof parseOptions>): RunSummary[] {
  const { run, out } = options;
  mkdirSync(out, { recursive: true });
  const results: RunResult[] = [];
  for (const algo of options.algos) {
    for (const seed of options.seeds) {
      const bar = new ProgressBar(run.steps, `${algo.toUpperCase()} seed ${seed}`, { quiet: options.quiet });
      const result = trainOne(algo, seed, run, (steps, lastEval) =>
        bar.update(steps, lastEval === undefined ? '' : `eval ${lastEval.toFixed(0)}`),
      );
      results.push(result);
      writeFileSync(join(out, `${algo}-seed${seed}.safetensors`), result.agent.save());
    }
  }
  const summaries = results.map(({ agent: _agent, ...rest }) => rest);
  const agents = new Map(summaries.map((s, i) => [s, results[i].agent]));
  report(out, run, summaries, (r) => agents.get(r) as RunResult['agent']);
  for (const r of results) r.agent.dispose();
  return summaries;
}

function main(argv: readonly string[]): void {
  const options = parseOptions(argv);
  if (options.help) {
    process.stdout.write(usage(COMMAND));
    return;
  }
  if (options.merge.length > 0) {
    merge(options.merge, options.out);
    return;
  }
  const { run } = options;
  console.log(
    `Pendulum-v1, ${run.steps} steps per run, hidden [${run.hidden.join(', ')}], batch ${run.batchSize}, learning starts ${run.learningStarts}; ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}`,
  );
  trainAll(options);
  console.log(
    `load average at the end ${loadavg()[0].toFixed(2)} (1 min), ${loadavg()[1].toFixed(2)} (5 min)`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
