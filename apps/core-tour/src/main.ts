import { parseCommand, usage } from '@tessera/app-kit';
import { defaultContext } from '@tessera/core';
import { runTour } from './tour.js';

const COMMAND = {
  name: 'core-tour',
  summary: 'a short tour of @tessera/core on the CPU: tensors, views, ops, memory and random numbers',
  options: {},
} as const;

try {
  if (parseCommand(COMMAND, process.argv.slice(2)).help) {
    process.stdout.write(usage(COMMAND));
    process.exit(0);
  }
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
const t0 = performance.now();
for (const step of runTour(defaultContext())) {
  console.log(`\n▸ ${step.title}`);
  for (const line of step.lines) console.log(`  ${line}`);
}
console.log(`\ndone in ${(performance.now() - t0).toFixed(0)} ms on the CPU`);
