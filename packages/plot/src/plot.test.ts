import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, Raster, readPngSize, renderLineChartPng } from './index.js';

describe('@tessera/plot', () => {
  it('a raster with text encodes to a PNG whose scanlines hold its pixels', () => {
    const img = new Raster(20, 10, [0, 0, 0]);
    img.fillRect(2, 3, 1, 1, [255, 0, 0]);
    const png = encodePng(img.width, img.height, img.pixels);
    expect(readPngSize(png)).toEqual({ width: 20, height: 10 });
    const idatLength = new DataView(png.buffer, png.byteOffset).getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    // row 3, filter byte, then pixel 2
    const at = 3 * (20 * 3 + 1) + 1 + 2 * 3;
    expect(Array.from(raw.subarray(at, at + 3))).toEqual([255, 0, 0]);
  });

  it('line charts render to PNGs of the requested size', () => {
    const png = renderLineChartPng({
      title: 'LOSS',
      xLabel: 'STEP',
      yLabel: 'LOSS',
      series: [{ name: 'TRAIN', values: [3, 2, 1.5, 1], color: [0, 0, 200] }],
      width: 300,
      height: 200,
    });
    expect(readPngSize(png)).toEqual({ width: 300, height: 200 });
  });
});
