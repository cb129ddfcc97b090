import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, usage } from '@tessera/app-kit';
import { metricsToCsv, metricsToJson } from '@tessera/preference';
import { METHODS, type Method } from './align.js';
import { curvesPng } from './report.js';
import { percent, run } from './run.js';

const COMMAND = {
  name: 'dpo',
  summary:
    'fine-tunes a small decoder on additions with systematically wrong answers, then aligns it with DPO, IPO and SimPO on its own mistakes (pnpm --filter @tessera/app-dpo start -- [options])',
  options: {
    methods: {
      type: 'string',
      default: 'dpo,ipo,simpo',
      help: 'comma-separated methods among dpo, ipo, simpo',
    },
    wrong: {
      type: 'number',
      min: 0,
      max: 0.21,
      default: 0.15,
      help: 'fraction of fine-tuning answers that are wrong',
    },
    'sft-steps': { type: 'number', integer: true, min: 1, default: 500, help: 'fine-tuning steps' },
    'sft-batch': {
      type: 'number',
      integer: true,
      min: 1,
      default: 64,
      help: 'problems per fine-tuning step',
    },
    'sft-lr': { type: 'number', min: 0, default: 0.01, help: 'fine-tuning peak learning rate' },
    prompts: {
      type: 'number',
      integer: true,
      min: 1,
      default: 2000,
      help: 'training prompts sampled for mistakes',
    },
    temperature: { type: 'number', min: 0, default: 1, help: 'temperature of those samples' },
    steps: { type: 'number', integer: true, min: 1, default: 60, help: 'preference steps per method' },
    batch: { type: 'number', integer: true, min: 1, default: 32, help: 'pairs per preference step' },
    lr: {
      type: 'number',
      min: 0,
      help: 'Adam learning rate of every method (default: dpo, ipo 3e-5, simpo 1e-5)',
    },
    dim: { type: 'number', integer: true, min: 4, default: 48, help: 'model width' },
    layers: { type: 'number', integer: true, min: 1, default: 2, help: 'decoder blocks' },
    heads: { type: 'number', integer: true, min: 1, default: 4, help: 'attention heads' },
    'kv-heads': { type: 'number', integer: true, min: 1, default: 2, help: 'key/value heads' },
    test: { type: 'number', integer: true, min: 1, max: 5000, default: 500, help: 'held-out problems' },
    samples: { type: 'number', integer: true, min: 0, default: 6, help: 'decoded held-out answers shown' },
    seed: {
      type: 'number',
      integer: true,
      min: 0,
      default: 1,
      help: 'seed of the data, the model and the sampling',
    },
    threads: { type: 'number', integer: true, min: 1, default: 1, help: 'CPU threads' },
    out: { type: 'string', help: 'where to write the metrics and the chart (default apps/dpo/out)' },
    quiet: { type: 'boolean', help: 'no progress bars' },
  },
} as const;

async function main(argv: readonly string[]): Promise<void> {
  const o = parseCommand(COMMAND, argv);
  if (o.help) {
    process.stdout.write(usage(COMMAND));
    return;
  }
  const methods = o.methods.split(',').map((m) => m.trim());
  const unknown = methods.filter((m) => !(m in METHODS));
  if (unknown.length > 0 || methods.length === 0) {
    throw new Error(`dpo: --methods takes dpo, ipo and simpo, got '${o.methods}'\n\n${usage(COMMAND)}`);
  }
  const result = await run(
    {
      seed: o.seed,
      test: o.test,
      wrong: o.wrong,
      size: { dim: o.dim, layers: o.layers, heads: o.heads, kvHeads: o['kv-heads'] },
      sftSteps: o['sft-steps'],
      sftBatch: o['sft-batch'],
      sftLr: o['sft-lr'],
      prompts: o.prompts,
      temperature: o.temperature,
      methods: methods as Method[],
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      samples: o.samples,
      threads: o.threads,
      quiet: o.quiet,
    },
    (line) => console.log(line),
  );

  const before = result.sft.accuracy;
  console.log(`\nheld-out exact match on ${o.test} problems (trap = units digits adding to 13 or more):`);
  console.log(
    `  ${'model'.padEnd(16)}${'all'.padStart(8)}${'trap'.padStart(8)}${'other'.padStart(8)}  change   seconds`,
  );
  const row = (name: string, a: typeof before, change: string, seconds: number) =>
    console.log(
      `  ${name.padEnd(16)}${percent(a.all).padStart(8)}${percent(a.trap).padStart(8)}${percent(a.other).padStart(8)}  ${change.padEnd(8)} ${seconds.toFixed(0).padStart(6)}`,
    );
  row('fine-tuned', before, '', result.sft.seconds);
  for (const a of result.alignments) {
    const points = 100 * (a.accuracy.all - before.all);
    row(a.method, a.accuracy, `${points >= 0 ? '+' : ''}${points.toFixed(1)}`, a.seconds);
  }
  console.log('\nlast step of each method:');
  for (const a of result.alignments) {
    const m = a.history[a.history.length - 1];
    console.log(
      `  ${a.method.padEnd(6)} loss ${m.loss.toFixed(4)}  margin ${m['rewards/margins'].toFixed(3)}  accuracy ${m['rewards/accuracies'].toFixed(2)}  KL ${(m.kl ?? Number.NaN).toFixed(4)}  reference drift ${a.referenceDrift}`,
    );
  }
  console.log('\ndecoded held-out answers (digits least significant first):');
  for (const s of result.samples) {
    console.log(`  fine-tuned  ${s.sft}`);
    for (const [method, line] of Object.entries(s.methods)) console.log(`  ${method.padEnd(10)}  ${line}`);
  }

  const out = o.out ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', 'out');
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    writeFileSync(join(out, name), data);
    written.push(join(out, name));
  };
  for (const a of result.alignments) {
    write(`${a.method}-metrics.json`, metricsToJson(a.history));
    write(`${a.method}-metrics.csv`, metricsToCsv(a.history));
  }
  if (result.alignments.length > 0 && o.steps >= 2) {
    write('curves.png', curvesPng(Object.fromEntries(result.alignments.map((a) => [a.method, a.history]))));
  }
  const summary = {
    options: o,
    shownWrong: result.shownWrong,
    sft: result.sft,
    mistakes: result.mistakes,
    methods: result.alignments.map(({ method, accuracy, referenceDrift, seconds }) => ({
      method,
      accuracy,
      gainPoints: 100 * (accuracy.all - before.all),
      referenceDrift,
      seconds,
    })),
    samples: result.samples,
  };
  write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\nwrote:\n${written.map((p) => `  ${p}`).join('\n')}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
