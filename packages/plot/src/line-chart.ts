import { encodePng } from './png.js';
import { Raster, type Rgb } from './raster.js';

export interface Series {
  name: string;
  /** y values at x = 1, 2, …, n. */
  values: ArrayLike<number>;
  color: Rgb;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
}

const TEXT: Rgb = [20, 20, 20];
const GRID: Rgb = [225, 225, 225];
const AXIS: Rgb = [90, 90, 90];

function formatTick(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1000 || abs < 0.01) return x.toExponential(1).replace('e+', 'E').replace('e-', 'E-');
  return Number(x.toPrecision(3)).toString();
}

/** A PNG line chart: one polyline per series over a shared x range, with axes, ticks and a legend. */
export function renderLineChartPng(chart: LineChart): Uint8Array {
  const { width = 720, height = 420 } = chart;
  const img = new Raster(width, height);
  drawLineChart(img, chart);
  return encodePng(width, height, img.pixels);
}

/** Draws the chart into `img` with its top-left corner at (x0, y0), e.g. as one panel of a figure. */
export function drawLineChart(img: Raster, chart: LineChart, x0 = 0, y0 = 0): void {
  const { width = 720, height = 420, series } = chart;
  if (series.length === 0) throw new Error('renderLineChartPng: need at least one series');
  let n = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const y = s.values[i];
      if (!Number.isFinite(y)) throw new Error(`renderLineChartPng: series ${s.name} has ${y} at index ${i}`);
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
  }
  if (n < 2) throw new Error('renderLineChartPng: need at least two points');
  if (hi - lo < 1e-12) {
    hi += 1;
    lo -= 1;
  }
  const pad = (hi - lo) * 0.05;
  // Errors and other non-negative series keep 0 as the floor of the axis.
  lo = lo >= 0 ? Math.max(0, lo - pad) : lo - pad;
  hi += pad;
  const left = x0 + 80;
  const right = x0 + width - 20;
  const top = y0 + 64;
  const bottom = y0 + height - 60;
  const px = (i: number) => left + ((right - left) * i) / (n - 1);
  const py = (y: number) => bottom - ((bottom - top) * (y - lo)) / (hi - lo);
  img.textCentered(x0 + width / 2, y0 + 20, chart.title, TEXT, 2);
  for (let t = 0; t <= 4; t++) {
    const y = lo + ((hi - lo) * t) / 4;
    img.line(left, py(y), right, py(y), GRID);
    const label = formatTick(y);
    img.text(left - 8 - Raster.textWidth(label), py(y) - 3, label, AXIS);
    const i = Math.round(((n - 1) * t) / 4);
    img.line(px(i), top, px(i), bottom, GRID);
    img.textCentered(px(i), bottom + 12, String(i + 1), AXIS);
  }
  img.line(left, top, left, bottom, AXIS, 2);
  img.line(left, bottom, right, bottom, AXIS, 2);
  img.textCentered((left + right) / 2, y0 + height - 22, chart.xLabel, TEXT, 2);
  img.text(x0 + 8, top - 22, chart.yLabel, TEXT, 2);
  for (const s of series) {
    for (let i = 1; i < s.values.length; i++)
      img.line(px(i - 1), py(s.values[i - 1]), px(i), py(s.values[i]), s.color, 2);
  }
  let legendX = left + 12;
  for (const s of series) {
    img.fillRect(legendX, top + 8, 18, 4, s.color);
    img.text(legendX + 24, top + 6, s.name, TEXT);
    legendX += 24 + Raster.textWidth(s.name) + 24;
  }
}
