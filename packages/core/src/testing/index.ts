/**
 * @tessera/core/testing: the conformance suite every backend runs, its f64 reference and
 * case format. A backend package calls `describeConformance({ name, device, context })`
 * inside a vitest test file.
 */
export { SUPPORT_TABLE_BACKENDS, type TableBackend } from './backends.js';
export { ALL_GROUPS } from './cases/index.js';
export { collectGarbage } from './collect-garbage.js';
export { makeInput, specValues, testValues } from './inputs.js';
export { runReadmeExample } from './readme-example.js';
export * as reference from './reference/base.js';
export { refErf, refRoundHalfEven, refSigmoid } from './reference/scalar.js';
export {
  type CaseVariant,
  type ConformanceOptions,
  checkCase,
  describeConformance,
  firstMismatch,
} from './suite.js';
export { claimedOps } from './support-table.js';
export type { CaseGroup, ErrorCase, ErrorHelpers, InputSpec, Layout, OpCase } from './types.js';
