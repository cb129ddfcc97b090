import { Raster, type Rgb } from './raster.js';

/** The colours every chart shares. */
export const CHART_TEXT: Rgb = [20, 20, 20];
export const CHART_GRID: Rgb = [225, 225, 225];
export const CHART_AXIS: Rgb = [90, 90, 90];

/** Horizontal grid lines with their labels right-aligned left of the plot area. */
export function drawYGrid(
  img: Raster,
  left: number,
  right: number,
  ticks: readonly { at: number; label: string }[],
): void {
  for (const t of ticks) {
    img.line(left, t.at, right, t.at, CHART_GRID);
    img.text(left - 8 - Raster.textWidth(t.label), t.at - 3, t.label, CHART_AXIS);
  }
}

/** The left and bottom axes of the plot area. */
export function drawAxes(img: Raster, left: number, top: number, right: number, bottom: number): void {
  img.line(left, top, left, bottom, CHART_AXIS, 2);
  img.line(left, bottom, right, bottom, CHART_AXIS, 2);
}
