import { ALL_GROUPS, type CaseGroup, describeConformance } from '@tessera/core/testing';
import { describe, it } from 'vitest';
import { testDevice } from './test-device.js';

const dev = await testDevice();

/**
 * Casts to dtypes without GPU storage (f64 is CPU-only; f16/bf16 storage is not implemented yet) must
 * fail on this device by design; webgpu.test.ts checks that they fail with a clear message instead.
 */
const GPU_GROUPS: CaseGroup[] = ALL_GROUPS.map((g) => ({
  ...g,
  cases: g.cases.filter((c) => !(c.op === 'cast' && /to (f64|f16|bf16)/.test(c.name))),
}));

if ('skip' in dev) {
  describe.skip(`conformance: webgpu (${dev.skip})`, () => {
    it('needs an adapter', () => {});
  });
} else {
  describeConformance({
    name: `webgpu (${dev.backend.adapterInfo.description || dev.backend.adapterInfo.device})`,
    device: 'webgpu',
    context: () => dev.ctx,
    tolScale: 10,
    dtypes: ['f32', 'i32', 'bool'],
    groups: GPU_GROUPS,
  });
}
