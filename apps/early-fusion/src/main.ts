import { join } from 'node:path';
import { runApp } from '@tessera/app-kit';
import { parseCli, USAGE } from './cli.js';
import { runStability, runTrain } from './run.js';

await runApp({
  parse: (argv) => parseCli(argv, join(process.cwd(), 'out')),
  usage: USAGE,
  run: (options, log, progress) =>
    options.mode === 'stability' ? runStability(options, log, progress) : runTrain(options, log, progress),
});
