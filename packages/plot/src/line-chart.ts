import { CHART_AXIS, CHART_GRID, CHART_TEXT, drawAxes, drawYGrid } from './chart-frame.js';
import { encodePng } from './png.js';
import { Raster, type Rgb } from './raster.js';
import { formatTick, niceTicks } from './ticks.js';

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

/** Where everything of a chart goes, computed once for the PNG and the SVG renderers. */
interface Layout {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  px: (x: number) => number;
  py: (y: number) => number;
  xTicks: { at: number; label: string }[];
  yTicks: { at: number; label: string }[];
}

function layout(chart: LineChart, x0: number, y0: number): Layout {
  const { width = 720, height = 420, series } = chart;
  if (series.length === 0) throw new Error('line chart: need at least one series');
  let n = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const y = s.values[i];
      if (!Number.isFinite(y)) throw new Error(`line chart: series ${s.name} has ${y} at index ${i}`);
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
  }
  if (n < 2) throw new Error('line chart: need at least two points');
  const y = niceTicks(lo, hi, 5);
  const x = niceTicks(0, n, 6);
  const xStep = Math.max(1, x.step);
  const left = x0 + 80;
  const right = x0 + width - 20;
  const top = y0 + 64;
  const bottom = y0 + height - 60;
  const px = (i: number) => left + ((right - left) * (i - 1)) / (n - 1);
  const py = (v: number) => bottom - ((bottom - top) * (v - y.lo)) / (y.hi - y.lo);
  const xs = [1];
  for (let v = xStep; v <= n; v += xStep) if (v > 1) xs.push(v);
  return {
    width,
    height,
    left,
    right,
    top,
    bottom,
    px,
    py,
    xTicks: xs.map((v) => ({ at: px(v), label: String(v) })),
    yTicks: y.values.map((v) => ({ at: py(v), label: formatTick(v, y.decimals) })),
  };
}

/** A PNG line chart: one polyline per series over x = 1…n, round ticks, axes and a legend. */
export function renderLineChartPng(chart: LineChart): Uint8Array {
  const { width = 720, height = 420 } = chart;
  const img = new Raster(width, height);
  drawLineChart(img, chart);
  return encodePng(width, height, img.pixels);
}

/** Draws the chart into `img` with its top-left corner at (x0, y0), e.g. as one panel of a figure. */
export function drawLineChart(img: Raster, chart: LineChart, x0 = 0, y0 = 0): void {
  const l = layout(chart, x0, y0);
  img.textCentered(x0 + l.width / 2, y0 + 20, chart.title, CHART_TEXT, 2);
  drawYGrid(img, l.left, l.right, l.yTicks);
  for (const t of l.xTicks) {
    img.line(t.at, l.top, t.at, l.bottom, CHART_GRID);
    img.textCentered(t.at, l.bottom + 12, t.label, CHART_AXIS);
  }
  drawAxes(img, l.left, l.top, l.right, l.bottom);
  img.textCentered((l.left + l.right) / 2, y0 + l.height - 22, chart.xLabel, CHART_TEXT, 2);
  img.text(x0 + 8, l.top - 24, chart.yLabel, CHART_TEXT, 2);
  for (const s of chart.series) {
    for (let i = 1; i < s.values.length; i++)
      img.line(l.px(i), l.py(s.values[i - 1]), l.px(i + 1), l.py(s.values[i]), s.color, 2);
  }
  let legendX = l.left + 12;
  for (const s of chart.series) {
    img.fillRect(legendX, l.top + 8, 18, 4, s.color);
    img.text(legendX + 24, l.top + 6, s.name, CHART_TEXT);
    legendX += 24 + Raster.textWidth(s.name) + 24;
  }
}

/** The same chart as SVG, with real text in the viewer's sans-serif font. */
export function renderLineChartSvg(chart: LineChart): string {
  const l = layout(chart, 0, 0);
  const rgb = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
  const f = (v: number) => Number(v.toFixed(2));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${l.width / 2}" y="28" font-size="18" text-anchor="middle" fill="${rgb(CHART_TEXT)}">${escapeXml(chart.title)}</text>`,
  ];
  for (const t of l.yTicks) {
    out.push(
      `<line x1="${l.left}" y1="${f(t.at)}" x2="${l.right}" y2="${f(t.at)}" stroke="${rgb(CHART_GRID)}"/>`,
    );
    out.push(
      `<text x="${l.left - 8}" y="${f(t.at + 4)}" font-size="12" text-anchor="end" fill="${rgb(CHART_AXIS)}">${t.label}</text>`,
    );
  }
  for (const t of l.xTicks) {
    out.push(
      `<line x1="${f(t.at)}" y1="${l.top}" x2="${f(t.at)}" y2="${l.bottom}" stroke="${rgb(CHART_GRID)}"/>`,
    );
    out.push(
      `<text x="${f(t.at)}" y="${l.bottom + 18}" font-size="12" text-anchor="middle" fill="${rgb(CHART_AXIS)}">${t.label}</text>`,
    );
  }
  out.push(
    `<path d="M${l.left} ${l.top}V${l.bottom}H${l.right}" fill="none" stroke="${rgb(CHART_AXIS)}" stroke-width="2"/>`,
    `<text x="${(l.left + l.right) / 2}" y="${l.height - 16}" font-size="15" text-anchor="middle" fill="${rgb(CHART_TEXT)}">${escapeXml(chart.xLabel)}</text>`,
    `<text x="8" y="${l.top - 14}" font-size="15" fill="${rgb(CHART_TEXT)}">${escapeXml(chart.yLabel)}</text>`,
  );
  for (const s of chart.series) {
    const points = Array.from(s.values, (v, i) => `${f(l.px(i + 1))},${f(l.py(v))}`).join(' ');
    out.push(`<polyline points="${points}" fill="none" stroke="${rgb(s.color)}" stroke-width="2"/>`);
  }
  let legendX = l.left + 12;
  for (const s of chart.series) {
    out.push(`<rect x="${legendX}" y="${l.top + 8}" width="18" height="4" fill="${rgb(s.color)}"/>`);
    out.push(
      `<text x="${legendX + 24}" y="${l.top + 14}" font-size="12" fill="${rgb(CHART_TEXT)}">${escapeXml(s.name)}</text>`,
    );
    legendX += 24 + 7 * s.name.length + 24;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
