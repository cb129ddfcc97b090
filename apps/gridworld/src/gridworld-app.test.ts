import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { crc32, encodePng, PNG_SIGNATURE, readPngSize, renderLineChartPng } from '@tessera/plot';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';
import { renderGridPng, renderGridSvg, renderGridText } from './grid-picture.js';
import { solveGrid, stochasticApproximationCharts } from './run.js';

describe('PNG encoding', () => {
  it('CRC-32 of "123456789" is the standard check value 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('writes signature, IHDR and scanlines that inflate back to the pixels', () => {
    const rgb = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    const png = encodePng(3, 2, rgb);
    expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
    expect(readPngSize(png)).toEqual({ width: 3, height: 2 });
    // IHDR chunk CRC covers "IHDR" plus its 13 data bytes.
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(29)).toBe(crc32(png, 12, 29));
    const idatLength = view.getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(Array.from(raw)).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
    expect(() => encodePng(2, 2, rgb)).toThrow(/encodePng: expected 12 bytes for 2x2 RGB, got 18/);
  });
});

describe('gridworld app', () => {
  it('renders value iteration as a PNG file of the expected size, plus SVG and text', () => {
    const options = parseCli(['--algo', 'value-iteration'], 'unused');
    const picture = solveGrid(options);
    const png = renderGridPng(picture);
    const dir = mkdtempSync(join(tmpdir(), 'gridworld-'));
    try {
      const file = join(dir, 'value-iteration.png');
      writeFileSync(file, png);
      expect(existsSync(file)).toBe(true);
      // 5 columns and rows of 96-px cells, 28-px margins and a 36-px title band.
      expect(readPngSize(readFileSync(file))).toEqual({
        width: 2 * 28 + 5 * 96,
        height: 36 + 2 * 28 + 5 * 96,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const svg = renderGridSvg(picture);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>10.00</text>');
    const text = renderGridText(picture);
    expect(text.split('\n')).toHaveLength(6);
    expect(text).toContain('◎○  10.00');
  });

  it('draws the stochastic-approximation charts', () => {
    const charts = stochasticApproximationCharts(parseCli(['--algo', 'sa', '--episodes', '20'], 'unused'));
    expect(charts.map((c) => c.name)).toEqual(['sa-robbins-monro', 'sa-mean-estimation']);
    const png = renderLineChartPng(charts[0].chart);
    expect(readPngSize(png)).toEqual({ width: 720, height: 420 });
  });

  it('parses flags and rejects bad ones', () => {
    const o = parseCli(
      ['--', '--algo', 'sarsa', '--gamma', '0.8', '--r-forbidden', '-10', '--episodes', '5'],
      'out',
    );
    expect(o).toMatchObject({ algo: 'sarsa', gamma: 0.8, rForbidden: -10, episodes: 5, out: 'out', seed: 1 });
    expect(() => parseCli(['--algo', 'dqn'], 'out')).toThrow(/--algo must be one of .*, got 'dqn'/);
    expect(() => parseCli(['--gamma', '1'], 'out')).toThrow(/--gamma must be in \[0, 1\), got 1/);
    expect(() => parseCli(['--episodes', '2.5'], 'out')).toThrow(/--episodes needs an integer, got '2.5'/);
    expect(() => parseCli(['--r-target', 'abc'], 'out')).toThrow(/--r-target needs a number, got 'abc'/);
  });
});
