import { describeGradChecks, GRAD_CASES } from '@tessera/autograd/testing';
import { describe } from 'vitest';
import { testDevice } from './test-device.js';

/**
 * Autograd's gradient checks with inputs on the GPU: every backward rule runs as WebGPU kernels
 * (central differences in f32, so the suite's looser f32 tolerances apply).
 */
const dev = await testDevice();

/**
 * Left out: the f64 round trip (f64 is CPU-only), and ceil on a transposed input, whose f32 test values
 * include one within eps = 1e-3 of an integer, where the central difference straddles a step of ceil
 * (the f64 CPU run uses eps = 1e-6).
 */
const CASES = GRAD_CASES.filter(
  (c) => !/f64/.test(c.name) && !(c.op === 'ceil' && /transposed/.test(c.name)),
);

// Without an adapter (and only outside CI, where testDevice throws instead) the suite is reported skipped.
describe.skipIf('skip' in dev)('gradient checks on an adapter', () => {
  if ('skip' in dev) return;
  describeGradChecks({
    name: 'webgpu',
    device: 'webgpu',
    context: () => dev.ctx,
    dtype: 'f32',
    cases: CASES,
  });
});
