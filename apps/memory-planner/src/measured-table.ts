import { cpus } from 'node:os';
import { contextOn } from '@tessera/app-kit';
import { type Measurement, measure } from './measure.js';
import { formatBytes } from './report.js';

function pct(predicted: number, measured: number): string {
  if (Math.abs(predicted - measured) < 0.0005 * measured) return '0.0 %';
  return `${(((predicted - measured) / measured) * 100).toFixed(1)} %`;
}

/** The predicted-vs-measured table for the MLP, CNN and tiny-gpt on the CPU and WebGPU. */
export async function measuredTable(): Promise<string> {
  const rows: Measurement[] = [];
  for (const device of ['cpu', 'webgpu'] as const) {
    const context = await contextOn(device);
    for (const model of ['mlp', 'cnn', 'tiny-gpt'] as const) rows.push(await measure(model, context, device));
  }
  const lines = [
    `CPU: ${cpus()[0]?.model ?? 'unknown'}; batch 64, Adam, f32`,
    '| model | device | parameters | weights + gradients + Adam state: predicted / measured (error) | activations at the step’s peak: predicted / measured (error) | Korthikanti (saved tensors only) |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.device} | ${r.parameters.toLocaleString('en-US')} | ${formatBytes(r.statePredicted)} / ${formatBytes(r.stateMeasured)} (${pct(r.statePredicted, r.stateMeasured)}) | ${formatBytes(r.activationsPredicted)} / ${formatBytes(r.activationsMeasured)} (${pct(r.activationsPredicted, r.activationsMeasured)}) | ${r.activationsSaved === undefined ? '—' : formatBytes(r.activationsSaved)} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
