import {
  type DecoderConfig,
  planTraining,
  type Recompute,
  type TrainingPlan,
  type TrainingPlanOptions,
} from '@tessera/memory';
import { renderStackedBarsPng } from '@tessera/plot';

const GIB = 2 ** 30;

/** Bytes as GiB with two decimals (and MiB below one GiB so small models read well). */
export function formatBytes(bytes: number): string {
  if (bytes >= GIB / 10) return `${(bytes / GIB).toFixed(2)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The full plan for a config: ZeRO stages with the chosen recomputation, and recomputation choices at stage 0. */
export function planReport(
  config: DecoderConfig,
  options: TrainingPlanOptions,
): { text: string; plan: TrainingPlan } {
  const plan = planTraining(config, options);
  const p = plan.parameters;
  const ranks = options.ranks ?? 1;
  const head = [
    `parameters ${p.total.toLocaleString('en-US')}${p.active !== p.total ? ` (${p.active.toLocaleString('en-US')} active per token)` : ''}`,
    `${options.optimizer}, ${options.precision}, ${ranks} data-parallel rank${ranks === 1 ? '' : 's'}, sequence ${options.seq}, micro-batch ${options.microBatch}, recompute ${options.recompute ?? 'none'}${options.flash ? ', flash attention' : ''}`,
  ];
  const stages = table(
    ['ZeRO stage', 'weights', 'gradients', 'optimizer', 'activations', 'total per rank'],
    plan.rows.map((r) => [
      String(r.stage),
      formatBytes(r.weights),
      formatBytes(r.gradients),
      formatBytes(r.optimizer),
      formatBytes(r.activations),
      formatBytes(r.total),
    ]),
  );
  const choices: [string, Recompute, boolean][] = [
    ['none', 'none', false],
    ['selective', 'selective', false],
    ['flash attention', 'none', true],
    ['full', 'full', false],
  ];
  const acts = table(
    ['activations', 'per layer', `all ${config.layers} layers + head`],
    choices.map(([name, recompute, flash]) => {
      const p = planTraining(config, { ...options, recompute, flash });
      const [layer, all] = [p.activationsPerLayer, p.activations];
      return [name, formatBytes(layer), formatBytes(all)];
    }),
  );
  return { text: `${head.join('\n')}\n\n${stages}\n\n${acts}\n`, plan };
}

/** Stacked bars, one per ZeRO stage: weights, gradients, optimizer state and activations in GiB. */
export function planBarsPng(title: string, plan: TrainingPlan): Uint8Array {
  return renderStackedBarsPng({
    title,
    yLabel: 'GiB per rank',
    parts: [
      { name: 'weights', color: [66, 110, 200] },
      { name: 'gradients', color: [236, 150, 40] },
      { name: 'optimizer state', color: [90, 170, 90] },
      { name: 'activations', color: [200, 70, 70] },
    ],
    bars: plan.rows.map((r) => ({
      label: `ZeRO ${r.stage}`,
      values: [r.weights, r.gradients, r.optimizer, r.activations].map((b) => b / GIB),
    })),
  });
}
