import { parseCommand, usage } from '@tessera/app-kit';
import { SPEC } from './cli.js';
import { run } from './run.js';

try {
  const options = parseCommand(SPEC, process.argv.slice(2));
  if (options.help) {
    process.stdout.write(usage(SPEC));
  } else {
    const report = await run(options, (line) => console.log(line));
    console.log('\nmodel      params     train   valid    test  (NLL, nats)   time');
    const b = report.baseline;
    console.log(
      `pixels     ${'784'.padStart(7)}  ${[b.train, b.validation, b.test].map((v) => v.toFixed(2).padStart(7)).join(' ')}`,
    );
    for (const m of report.models) {
      console.log(
        `${m.name.padEnd(9)} ${m.numParameters.toLocaleString('en-US').padStart(8)}  ${[
          m.train,
          m.validation,
          m.test,
        ]
          .map((v) => v.toFixed(2).padStart(7))
          .join(' ')}  ${m.trainSeconds.toFixed(0).padStart(14)} s`,
      );
    }
  }
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
