import { drawLineChart, encodePng, type LineChart, Raster, type Rgb } from '@tessera/plot';
import { metricSeries, type StepMetrics } from '@tessera/preference';

const COLORS: Record<string, Rgb> = { dpo: [31, 119, 180], ipo: [214, 39, 40], simpo: [44, 160, 44] };

/**
 * The training curves of every method as one PNG: the reward margin (chosen − rejected implicit
 * reward) on top and the per-token KL to the reference below, one line per method.
 */
export function curvesPng(histories: Record<string, StepMetrics[]>): Uint8Array {
  const width = 760;
  const height = 400;
  const panel = (title: string, yLabel: string, metric: 'rewards/margins' | 'kl'): LineChart => ({
    title,
    xLabel: 'step',
    yLabel,
    width,
    height,
    series: Object.entries(histories).map(([name, history]) => ({
      name,
      values: metricSeries(history, metric),
      color: COLORS[name] ?? [90, 90, 90],
    })),
  });
  const img = new Raster(width, 2 * height);
  drawLineChart(img, panel('reward margin (chosen - rejected)', 'margin', 'rewards/margins'), 0, 0);
  drawLineChart(img, panel('KL(policy || reference) per token', 'nats', 'kl'), 0, height);
  return encodePng(img.width, img.height, img.pixels);
}
