import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderLineChartPng } from '@tessera/plot';
import { parseCli, USAGE } from './cli.js';
import { renderGridHtml, renderGridPng, renderGridSvg, renderGridText } from './grid-picture.js';
import { solveGrid, stochasticApproximationCharts } from './run.js';

const defaultOut = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'out');

function main(argv: readonly string[]): void {
  const options = parseCli(argv, defaultOut);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  mkdirSync(options.out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    const path = join(options.out, name);
    writeFileSync(path, data);
    written.push(path);
  };
  if (options.algo === 'sa') {
    for (const { name, chart } of stochasticApproximationCharts(options)) {
      write(`${name}.png`, renderLineChartPng(chart));
      const last = chart.series
        .map((s) => `${s.name}: ${s.values[s.values.length - 1].toFixed(6)}`)
        .join(', ');
      console.log(`${chart.title}\n  final values: ${last}`);
    }
  } else {
    const picture = solveGrid(options);
    console.log(renderGridText(picture));
    write(`${options.algo}.png`, renderGridPng(picture));
    write(`${options.algo}.svg`, renderGridSvg(picture));
    write(`${options.algo}.html`, renderGridHtml(picture));
  }
  console.log(`\nwrote:\n${written.map((p) => `  ${p}`).join('\n')}`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
