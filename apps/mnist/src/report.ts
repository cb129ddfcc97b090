import type { MnistSplit } from '@tessera/data';
import { drawLineChart, encodePng, Raster, type Rgb } from '@tessera/plot';
import type { TrainResult } from './train.js';

const COLORS: Record<string, Rgb> = { mlp: [31, 119, 180], cnn: [214, 39, 40] };
const CELL = 28 * 2;
const COLS = 12;
const ROWS = 3;

/** Mean of each of `points` equal stretches of xs: a smoothed curve on a common x axis. */
export function resample(xs: readonly number[], points: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < points; i++) {
    const from = Math.floor((i * xs.length) / points);
    const to = Math.max(from + 1, Math.floor(((i + 1) * xs.length) / points));
    const part = xs.slice(from, to);
    out.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  return out;
}

/**
 * One PNG: the training-loss curves of every model (smoothed, against the fraction of training
 * done) above, for each model, a grid of misclassified test digits with the true label in green
 * and the prediction in red.
 */
export function renderReport(results: readonly TrainResult[], test: MnistSplit): Uint8Array {
  const width = COLS * (CELL + 8) + 16;
  const chartHeight = 360;
  const gridHeight = 28 + ROWS * (CELL + 22);
  const img = new Raster(width, chartHeight + results.length * gridHeight + 8);
  drawLineChart(
    img,
    {
      title: 'MNIST TRAINING LOSS',
      xLabel: 'TRAINING DONE (%)',
      yLabel: 'LOSS',
      series: results.map((r) => ({
        name: `${r.name.toUpperCase()} ${(100 * r.testAccuracy).toFixed(2)}%`,
        values: resample(r.stepLosses, 100),
        color: COLORS[r.name] ?? [0, 0, 0],
      })),
      width,
      height: chartHeight,
    },
    0,
    0,
  );
  const pixels = test.images.dataSync();
  results.forEach((r, k) => {
    const y0 = chartHeight + k * gridHeight;
    img.text(
      8,
      y0 + 6,
      `${r.name.toUpperCase()}: ${r.misclassified.length} MISCLASSIFIED (TRUE / PREDICTED)`,
      [20, 20, 20],
      2,
    );
    r.misclassified.slice(0, COLS * ROWS).forEach((m, i) => {
      const x = 8 + (i % COLS) * (CELL + 8);
      const y = y0 + 28 + Math.floor(i / COLS) * (CELL + 22);
      for (let py = 0; py < 28; py++) {
        for (let px = 0; px < 28; px++) {
          const v = 255 - Math.round(255 * pixels[m.index * 784 + py * 28 + px]);
          img.fillRect(x + px * 2, y + py * 2, 2, 2, [v, v, v]);
        }
      }
      img.strokeRect(x - 1, y - 1, CELL + 2, CELL + 2, [180, 180, 180]);
      img.text(x + 14, y + CELL + 5, String(m.label), [20, 140, 40], 2);
      img.text(x + 34, y + CELL + 5, String(m.predicted), [200, 30, 30], 2);
    });
  });
  return encodePng(img.width, img.height, img.pixels);
}
