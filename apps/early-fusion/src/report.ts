import { drawLineChart, encodePng, Raster, type Rgb } from '@tessera/plot';

const SCALE = 2;
const CELL = 28 * SCALE;

/**
 * A PNG grid of generated digits: one row per class (its digit on the left), `perRow` images per
 * row, each framed green when the classifier agrees with the class it was asked for, red otherwise.
 */
export function renderGenerations(
  pixels: ArrayLike<number>,
  digits: readonly number[],
  predicted: readonly number[],
  perRow: number,
): Uint8Array {
  const left = 40;
  const img = new Raster(left + perRow * (CELL + 6) + 8, 36 + 10 * (CELL + 6) + 8);
  img.text(8, 8, 'CAPTION -> IMAGE: GREEN = CLASSIFIED AS ASKED', [20, 20, 20], 2);
  const seen = new Array<number>(10).fill(0);
  digits.forEach((d, i) => {
    const col = seen[d]++;
    if (col >= perRow) return;
    const x = left + col * (CELL + 6);
    const y = 36 + d * (CELL + 6);
    if (col === 0) img.text(12, y + CELL / 2 - 7, String(d), [20, 20, 20], 2);
    for (let py = 0; py < 28; py++) {
      for (let px = 0; px < 28; px++) {
        const v = 255 - Math.round(255 * Math.min(1, Math.max(0, pixels[i * 784 + py * 28 + px])));
        img.fillRect(x + px * SCALE, y + py * SCALE, SCALE, SCALE, [v, v, v]);
      }
    }
    const frame: Rgb = predicted[i] === d ? [30, 160, 60] : [210, 40, 40];
    img.strokeRect(x - 2, y - 2, CELL + 4, CELL + 4, frame, 2);
  });
  return encodePng(img.width, img.height, img.pixels);
}

export interface StabilityRun {
  name: string;
  color: Rgb;
  loss: number[];
  maxAttentionLogit: number[];
  meanLogZ: number[];
}

/** Three line charts stacked: loss, largest attention logit and mean log Z over the steps of each run. */
export function renderStability(runs: readonly StabilityRun[], lr: number): Uint8Array {
  const width = 900;
  const height = 300;
  const img = new Raster(width, 3 * height);
  // A diverged run's curve stops at its first non-finite value.
  const clean = (xs: number[]) => {
    const bad = xs.findIndex((v) => !Number.isFinite(v));
    return bad < 0 ? xs : xs.slice(0, bad);
  };
  const charts: [string, string, (r: StabilityRun) => number[]][] = [
    ['TRAINING LOSS', 'NLL', (r) => r.loss],
    ['LARGEST ATTENTION LOGIT |Q.K|/SQRT(D)', 'LOGIT', (r) => r.maxAttentionLogit],
    ['MEAN OUTPUT LOGSUMEXP (LOG Z)', 'LOG Z', (r) => r.meanLogZ],
  ];
  charts.forEach(([title, yLabel, pick], i) => {
    drawLineChart(
      img,
      {
        title: `${title}, LR ${lr}`,
        xLabel: 'STEP',
        yLabel,
        series: runs.map((r) => ({ name: r.name, values: clean(pick(r)), color: r.color })),
        width,
        height,
      },
      0,
      i * height,
    );
  });
  return encodePng(img.width, img.height, img.pixels);
}
