import { join } from 'node:path';
import { parseCommand, progressByLabel, trainingStatus, usage } from '@tessera/app-kit';
import { loadCorpus } from './corpus.js';
import { run } from './run.js';

const COMMAND = {
  name: 'moe-lm',
  summary:
    'trains character-level language models on Moby-Dick: a dense decoder and a mixture-of-experts one with the ' +
    'same active parameters, with and without auxiliary-loss-free balancing; reports validation bits per character, ' +
    'tokens/s and expert load, writes charts to --out',
  options: {
    device: { type: 'string', choices: ['cpu', 'webgpu'], default: 'cpu', help: 'where to run' },
    steps: { type: 'number', integer: true, min: 1, default: 1500, help: 'training steps per model' },
    batch: { type: 'number', integer: true, min: 1, default: 16, help: 'windows per step' },
    seq: { type: 'number', integer: true, min: 2, default: 64, help: 'characters per window' },
    dim: { type: 'number', integer: true, min: 4, default: 64, help: 'model width' },
    layers: { type: 'number', integer: true, min: 1, default: 2, help: 'decoder blocks' },
    heads: { type: 'number', integer: true, min: 1, default: 4, help: 'attention heads' },
    hidden: { type: 'number', integer: true, min: 2, default: 128, help: 'dense feed-forward hidden width' },
    experts: { type: 'number', integer: true, min: 2, default: 8, help: 'routed experts per MoE layer' },
    'top-k': {
      type: 'number',
      integer: true,
      min: 1,
      default: 2,
      help: 'experts per token (each of hidden/k)',
    },
    'dense-layers': {
      type: 'number',
      integer: true,
      min: 0,
      default: 0,
      help: 'first layers kept dense in the MoE models',
    },
    'bias-rate': { type: 'number', min: 0, default: 0.005, help: 'γ of auxiliary-loss-free balancing' },
    lr: { type: 'number', min: 0, default: 0.01, help: 'AdamW learning rate' },
    'eval-every': { type: 'number', integer: true, min: 1, default: 100, help: 'steps between evaluations' },
    'valid-windows': {
      type: 'number',
      integer: true,
      min: 1,
      default: 32,
      help: 'held-out windows per evaluation',
    },
    'sample-length': {
      type: 'number',
      integer: true,
      min: 0,
      default: 160,
      help: 'characters generated per model',
    },
    seed: { type: 'number', integer: true, default: 1, help: 'seed of the batches and the initialization' },
    out: {
      type: 'string',
      default: join(process.cwd(), 'out'),
      help: 'directory for the charts and results.json',
    },
    quiet: { type: 'boolean', help: 'no progress bars' },
  },
} as const;

try {
  const o = parseCommand(COMMAND, process.argv.slice(2));
  if (o.help) {
    process.stdout.write(usage(COMMAND));
    process.exit(0);
  }
  if (o.hidden % o['top-k'] !== 0)
    throw new Error(`moe-lm: --hidden ${o.hidden} must be a multiple of --top-k ${o['top-k']}`);
  if (o['top-k'] > o.experts) throw new Error(`moe-lm: --top-k ${o['top-k']} exceeds --experts ${o.experts}`);
  const corpus = loadCorpus();
  console.log(
    `Moby-Dick: ${corpus.train.length.toLocaleString('en-US')} training and ${corpus.valid.length.toLocaleString('en-US')} ` +
      `held-out characters, ${corpus.tokenizer.vocabSize} distinct`,
  );
  const report = progressByLabel({ out: process.stderr });
  const results = await run(
    {
      device: o.device,
      steps: o.steps,
      batch: o.batch,
      seq: o.seq,
      dim: o.dim,
      layers: o.layers,
      heads: o.heads,
      hidden: o.hidden,
      experts: o.experts,
      topK: o['top-k'],
      denseLayers: o['dense-layers'],
      biasRate: o['bias-rate'],
      lr: o.lr,
      evalEvery: o['eval-every'],
      validWindows: o['valid-windows'],
      seed: o.seed,
      sampleLength: o['sample-length'],
      out: o.out,
    },
    corpus,
    (line) => console.log(line),
    o.quiet
      ? undefined
      : (name, step, steps, loss, tps) => report(name, step, steps, trainingStatus(loss, tps, 'tokens')),
  );
  for (const r of results) console.log(`\n${r.name} writes:\n${r.sample}`);
  console.log(
    `\nwrote ${join(o.out, 'validation-bpc.png')}, ${join(o.out, 'expert-load.png')}, ${join(o.out, 'results.json')}`,
  );
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
