import { join } from 'node:path';
import { progressByLabel } from '@tessera/app-kit';
import { parseCli, USAGE } from './cli.js';
import { run } from './run.js';

try {
  const options = parseCli(process.argv.slice(2), join(process.cwd(), 'out'));
  if (options.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const progress = options.quiet ? undefined : progressByLabel({ out: process.stderr });
  await run(options, (line) => console.log(line), progress);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
