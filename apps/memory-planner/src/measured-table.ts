import { cpus } from 'node:os';
import { contextOn } from '@tessera/app-kit';
import { type Measurement, measure } from './measure.js';
import { formatBytes } from './report.js';

function pct(predicted: number, measured: number): string {
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
    '| model | device | parameters | weights + gradients + Adam state: predicted / measured (error) | activations at the backward peak: measured / Korthikanti (error) |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.device} | ${r.parameters.toLocaleString('en-US')} | ${formatBytes(r.statePredicted)} / ${formatBytes(r.stateMeasured)} (${pct(r.statePredicted, r.stateMeasured)}) | ${formatBytes(r.activationsMeasured)} / ${r.activationsPredicted === undefined ? 'no formula' : `${formatBytes(r.activationsPredicted)} (${pct(r.activationsPredicted, r.activationsMeasured)})`} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
