import { defaultContext } from '@tessera/core';
import { runTour } from './tour.js';

const t0 = performance.now();
for (const step of runTour(defaultContext())) {
  console.log(`\n▸ ${step.title}`);
  for (const line of step.lines) console.log(`  ${line}`);
}
console.log(`\ndone in ${(performance.now() - t0).toFixed(0)} ms on the CPU`);
