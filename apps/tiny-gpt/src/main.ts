import { parseCli, USAGE } from './cli.js';
import { ProgressBar } from './progress.js';
import { run } from './run.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
try {
  const o = parseCli(argv);
  const bar = new ProgressBar(o.steps);
  let smoothed = Number.NaN;
  await run(
    o,
    (line) => console.log(line),
    (step, loss, tps) => {
      smoothed = Number.isNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
      bar.update(step, `loss ${smoothed.toFixed(3)}  ${Math.round(tps)} tokens/s`);
    },
  );
} catch (e) {
  console.error(`tiny-gpt: ${(e as Error).message}`);
  process.exit(1);
}
