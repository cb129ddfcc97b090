import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, usage } from '@tessera/app-kit';
import { type DecoderConfig, OPTIMIZER_KINDS, PRECISIONS } from '@tessera/memory';
import { measuredTable } from './measured-table.js';
import { PRESETS, type PresetName } from './presets.js';
import { planBarsPng, planReport } from './report.js';

export const COMMAND = {
  name: 'memory-planner',
  summary: 'per-rank training memory of a decoder-only transformer under ZeRO stages 0–3, with stacked bars',
  options: {
    model: {
      type: 'string',
      help: 'a published architecture to start from',
      default: 'llama2-7b',
      choices: Object.keys(PRESETS),
    },
    layers: { type: 'number', help: 'override: transformer layers', integer: true, min: 1 },
    hidden: { type: 'number', help: 'override: hidden width', integer: true, min: 1 },
    heads: { type: 'number', help: 'override: attention heads', integer: true, min: 1 },
    'kv-heads': { type: 'number', help: 'override: key/value heads', integer: true, min: 1 },
    ffn: { type: 'number', help: 'override: feed-forward width', integer: true, min: 1 },
    vocab: { type: 'number', help: 'override: vocabulary size', integer: true, min: 1 },
    ranks: { type: 'number', help: 'data-parallel ranks', default: 8, integer: true, min: 1 },
    optimizer: { type: 'string', help: 'optimizer', default: 'adamw', choices: OPTIMIZER_KINDS },
    precision: { type: 'string', help: 'parameter precision', default: 'mixed-bf16', choices: PRECISIONS },
    seq: { type: 'number', help: 'sequence length', default: 4096, integer: true, min: 1 },
    'micro-batch': { type: 'number', help: 'sequences per rank per step', default: 1, integer: true, min: 1 },
    recompute: {
      type: 'string',
      help: 'activation recomputation',
      default: 'none',
      choices: ['none', 'selective', 'full'],
    },
    flash: { type: 'boolean', help: 'flash attention (no s×s activations)' },
    dropout: { type: 'boolean', help: 'dropout masks kept by each layer' },
    out: { type: 'string', help: 'folder for memory.png (default apps/memory-planner/out)' },
    measure: {
      type: 'boolean',
      help: 'instead: train the MLP, CNN and tiny-gpt two Adam steps on the CPU and WebGPU and compare the planner with the measured bytes',
    },
  },
} as const;

export function configFrom(o: ReturnType<typeof parseCommand<typeof COMMAND>>): DecoderConfig {
  const base: DecoderConfig = PRESETS[o.model as PresetName];
  return {
    ...base,
    ...(o.layers !== undefined && { layers: o.layers }),
    ...(o.hidden !== undefined && { hidden: o.hidden }),
    ...(o.heads !== undefined && { heads: o.heads }),
    ...(o['kv-heads'] !== undefined && { kvHeads: o['kv-heads'] }),
    ...(o.ffn !== undefined && { ffn: o.ffn }),
    ...(o.vocab !== undefined && { vocab: o.vocab }),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const o = parseCommand(COMMAND, argv);
  if (o.help) {
    process.stdout.write(usage(COMMAND));
    return;
  }
  if (o.measure) {
    process.stdout.write(await measuredTable());
    return;
  }
  const config = configFrom(o);
  const { text, plan } = planReport(config, {
    optimizer: o.optimizer,
    precision: o.precision,
    ranks: o.ranks,
    seq: o.seq,
    microBatch: o['micro-batch'],
    recompute: o.recompute,
    flash: o.flash,
    dropout: o.dropout,
  });
  process.stdout.write(`${o.model}\n${text}`);
  const out = resolve(o.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'out'));
  mkdirSync(out, { recursive: true });
  const png = join(out, 'memory.png');
  writeFileSync(png, planBarsPng(`${o.model} on ${o.ranks} ranks`, plan));
  process.stdout.write(`\nwrote ${png}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
