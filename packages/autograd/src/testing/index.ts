/**
 * @tessera/autograd/testing: checkGrad and the gradient-check suite every backend can run,
 * `describeGradChecks({ name, device, context })` inside a vitest test file.
 */
export { type CheckGradOptions, checkGrad, GradCheckError, type GradCheckReport } from '../check-grad.js';
export { GRAD_CASES } from './cases/index.js';
export { describeGradChecks, type GradCheckSuiteOptions } from './suite.js';
export type { GradCase } from './types.js';
