export { type Bar, renderStackedBarsPng, type StackedBarChart } from './bar-chart.js';
export { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './bitmap-font.js';
export { crc32 } from './crc32.js';
export {
  drawLineChart,
  type LineChart,
  renderLineChartPng,
  renderLineChartSvg,
  type Series,
} from './line-chart.js';
export { encodePng, PNG_SIGNATURE, readPngSize } from './png.js';
export { Raster, type Rgb } from './raster.js';
export { formatTick, niceTicks, type Ticks } from './ticks.js';
