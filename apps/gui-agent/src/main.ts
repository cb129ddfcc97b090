import { join } from 'node:path';
import { runApp } from '@tessera/app-kit';
import { parseCli, USAGE } from './cli.js';
import { run } from './run.js';

await runApp({ parse: (argv) => parseCli(argv, join(process.cwd(), 'out')), usage: USAGE, run });
