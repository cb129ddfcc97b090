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

const TEXT: Rgb = [20, 20, 20];
const GRID: Rgb = [225, 225, 225];
const AXIS: Rgb = [90, 90, 90];

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
  img.textCentered(width / 2, 20, chart.title, TEXT, 2);
  for (const v of y.values) {
    const at = py(v);
    img.line(left, at, right, at, GRID);
    const label = formatTick(v, y.decimals);
    img.text(left - 8 - Raster.textWidth(label), at - 3, label, AXIS);
  }
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
    img.textCentered(left + slot * (i + 0.5), bottom + 14, b.label, TEXT);
  });
  img.line(left, top, left, bottom, AXIS, 2);
  img.line(left, bottom, right, bottom, AXIS, 2);
  img.text(8, top - 30, chart.yLabel, TEXT, 2);
  let legendX = left + 12;
  for (const p of parts) {
    img.fillRect(legendX, 42, 12, 12, p.color);
    img.text(legendX + 18, 44, p.name, TEXT);
    legendX += 18 + Raster.textWidth(p.name) + 20;
  }
  return encodePng(width, height, img.pixels);
}
