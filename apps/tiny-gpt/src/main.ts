import { ProgressBar, trainingStatus, usage } from '@tessera/app-kit';
import { type CliOptions, COMMAND, parseCli } from './cli.js';
import { run } from './run.js';

let o: CliOptions;
try {
  o = parseCli(process.argv.slice(2));
} catch (e) {
  // parseCommand's message names the flag and ends with the usage text.
  console.error((e as Error).message);
  process.exit(1);
}
if (o.help) {
  process.stdout.write(usage(COMMAND));
  process.exit(0);
}
try {
  const bar = new ProgressBar(o.steps, 'training');
  let smoothed = Number.NaN;
  await run(
    o,
    (line) => console.log(line),
    (step, loss, tps) => {
      smoothed = Number.isNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
      bar.update(step, trainingStatus(smoothed, tps, 'tokens'));
    },
  );
} catch (e) {
  console.error(`tiny-gpt: ${(e as Error).message}`);
  process.exit(1);
}
