import { encodePng, Raster, type Rgb } from '@tessera/plot';

/** One heat map panel: values[row][col] ≥ 0, one row per expert, one column per evaluation. */
export interface HeatmapPanel {
  title: string;
  values: readonly (readonly number[])[];
}

const TEXT: Rgb = [20, 20, 20];

/** White (0) through blue to dark red (the panel's largest value, or `max`). */
function color(v: number, max: number): Rgb {
  const t = max > 0 ? Math.min(1, v / max) : 0;
  if (t < 0.5) {
    const u = t / 0.5;
    return [
      Math.round(255 * (1 - u) + 40 * u),
      Math.round(255 * (1 - u) + 90 * u),
      Math.round(255 * (1 - u) + 200 * u),
    ];
  }
  const u = (t - 0.5) / 0.5;
  return [
    Math.round(40 * (1 - u) + 170 * u),
    Math.round(90 * (1 - u) + 20 * u),
    Math.round(200 * (1 - u) + 30 * u),
  ];
}

/**
 * Panels stacked vertically, each a grid of cells (rows: experts, columns: evaluations over
 * training), shaded by the share of token-slots each expert received; a common scale so panels
 * compare. Returns PNG bytes.
 */
export function renderHeatmapPng(title: string, xLabel: string, panels: readonly HeatmapPanel[]): Uint8Array {
  const cols = Math.max(...panels.map((p) => p.values[0]?.length ?? 0));
  const cell = Math.max(4, Math.min(16, Math.floor(640 / Math.max(cols, 1))));
  const rowH = 12;
  const left = 70;
  const top = 40;
  const gap = 36;
  const heights = panels.map((p) => p.values.length * rowH);
  // Wide enough for the grid and its scale, the title (12 px a character at scale 2) and the labels.
  const width = Math.max(
    left + cols * cell + 90,
    left + 12 * title.length + 10,
    left + 6 * xLabel.length + 10,
  );
  const height = top + heights.reduce((a, b) => a + b + gap, 0) + 30;
  const img = new Raster(width, height);
  const max = Math.max(...panels.flatMap((p) => p.values.flat()));
  img.text(left, 12, title, TEXT, 2);
  let y = top;
  for (const panel of panels) {
    img.text(left, y - 12, panel.title, TEXT);
    panel.values.forEach((row, e) => {
      img.text(8, y + e * rowH + 2, `expert ${e}`, TEXT);
      for (const [c, v] of row.entries())
        img.fillRect(left + c * cell, y + e * rowH, cell, rowH - 1, color(v, max));
    });
    y += panel.values.length * rowH + gap;
  }
  img.text(left, height - 20, xLabel, TEXT);
  // The scale: 0 to the largest share.
  const sx = left + cols * cell + 20;
  for (let i = 0; i < 100; i++) img.fillRect(sx, top + 100 - i, 16, 1, color(i / 99, 1));
  img.text(sx, top - 12, `${(max * 100).toFixed(0)}%`, TEXT);
  img.text(sx, top + 106, '0%', TEXT);
  return encodePng(img.width, img.height, img.pixels);
}
