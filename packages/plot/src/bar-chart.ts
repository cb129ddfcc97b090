import { CHART_TEXT, drawAxes, drawYGrid } from './chart-frame.js';
import { encodePng } from './png.js';
import { Raster, type Rgb } from './raster.js';
import { formatTick, niceTicks } from './ticks.js';

/** One stacked bar: a label under it and one value per part, bottom to top. */
export interface Bar {
  label: string;
  values: readonly number[];
}

export interface StackedBarChart {
  title: string;
  yLabel: string;
  /** The stacked parts, bottom to top, with their legend names. */
  parts: readonly { name: string; color: Rgb }[];
  bars: readonly Bar[];
  width?: number;
  height?: number;
}

/** A PNG of stacked bars on a shared y axis from 0, with round ticks, labels and a legend. */
export function renderStackedBarsPng(chart: StackedBarChart): Uint8Array {
  const { width = 720, height = 420, bars, parts } = chart;
  if (bars.length === 0) throw new Error('stacked bars: need at least one bar');
  let hi = 0;
  for (const b of bars) {
    if (b.values.length !== parts.length) {
      throw new Error(
        `stacked bars: bar '${b.label}' has ${b.values.length} values for ${parts.length} parts`,
      );
    }
    let sum = 0;
    for (const v of b.values) {
      if (!Number.isFinite(v) || v < 0) throw new Error(`stacked bars: bar '${b.label}' has value ${v}`);
      sum += v;
    }
    hi = Math.max(hi, sum);
  }
  const y = niceTicks(0, hi > 0 ? hi : 1, 5);
  const img = new Raster(width, height);
  const left = 80;
  const right = width - 20;
  const top = 100;
  const bottom = height - 48;
  const py = (v: number) => bottom - ((bottom - top) * (v - y.lo)) / (y.hi - y.lo);
  img.textCentered(width / 2, 20, chart.title, CHART_TEXT, 2);
  drawYGrid(
    img,
    left,
    right,
    y.values.map((v) => ({ at: py(v), label: formatTick(v, y.decimals) })),
  );
  const slot = (right - left) / bars.length;
  const barWidth = Math.max(2, Math.round(slot * 0.6));
  bars.forEach((b, i) => {
    const x = Math.round(left + slot * i + (slot - barWidth) / 2);
    let base = 0;
    b.values.forEach((v, k) => {
      const y0 = Math.round(py(base));
      const y1 = Math.round(py(base + v));
      img.fillRect(x, y1, barWidth, y0 - y1, parts[k].color);
      base += v;
    });
    img.textCentered(left + slot * (i + 0.5), bottom + 14, b.label, CHART_TEXT);
  });
  drawAxes(img, left, top, right, bottom);
  img.text(8, top - 30, chart.yLabel, CHART_TEXT, 2);
  let legendX = left + 12;
  for (const p of parts) {
    img.fillRect(legendX, 42, 12, 12, p.color);
    img.text(legendX + 18, 44, p.name, CHART_TEXT);
    legendX += 18 + Raster.textWidth(p.name) + 20;
  }
  return encodePng(width, height, img.pixels);
}
