import { join } from 'node:path';
import { parseCli, USAGE } from './cli.js';
import { run } from './run.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
try {
  const options = parseCli(argv, join(process.cwd(), 'out'));
  const tty = process.stderr.isTTY && !options.quiet;
  // On a terminal the bar redraws in place; in logs, one line every 10 s.
  let last = 0;
  const progress = options.quiet
    ? undefined
    : tty
      ? (line: string) => process.stderr.write(`\r${line}`)
      : (line: string) => {
          if (performance.now() - last < 10_000) return;
          last = performance.now();
          console.error(line);
        };
  await run(
    options,
    (line) => {
      if (tty) process.stderr.write('\r\x1b[K');
      console.log(line);
    },
    progress,
  );
} catch (e) {
  console.error(`mnist: ${(e as Error).message}`);
  process.exit(1);
}
