import {
  ALL_GROUPS,
  type CaseGroup,
  describeConformance,
  SUPPORT_TABLE_BACKENDS,
} from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { testDevice } from './test-device.js';

const dev = await testDevice();

/**
 * Cases that make tensors of dtypes without GPU storage (f64 is CPU-only; WGSL has no bf16; f16 needs
 * the `shader-f16` feature) fail on this device by design, at the allocation; backend.test.ts checks
 * that they fail with a clear message instead.
 */
const unstored = (['f64', 'bf16', 'f16'] as const).filter((d) => 'skip' in dev || !dev.backend.hasDType(d));
const NO_GPU_STORAGE = [
  { op: 'cast', name: new RegExp(`to (${unstored.join('|')})\\b`) },
  { op: 'oneHot', name: /at every dtype/ },
];
/** Error cases that build an f64 tensor on the device (they name f64 in the expected message). */
const needsF64 = (e: { mentions: string[] }) => e.mentions.includes('f64');
const skip = (list: { op: string; name: RegExp }[], c: { op: string; name: string }) =>
  list.some((s) => s.op === c.op && s.name.test(c.name));
const GPU_GROUPS: CaseGroup[] = ALL_GROUPS.map((g) => ({
  cases: g.cases.filter((c) => !skip(NO_GPU_STORAGE, c)),
  errors: g.errors.filter((e) => !needsF64(e)),
}));

// Without an adapter (and only outside CI, where testDevice throws instead) the suite is reported skipped.
describe.skipIf('skip' in dev)('conformance on an adapter', () => {
  if ('skip' in dev) return;
  it("the README support table claims only dtypes this adapter stores (f16: 'shader-f16')", () => {
    const claimed = SUPPORT_TABLE_BACKENDS.find((b) => b.name === 'webgpu')?.dtypes ?? [];
    expect([...dev.backend.dtypes]).toEqual(expect.arrayContaining([...claimed]));
  });
  describeConformance({
    name: `webgpu (${dev.backend.adapterInfo.description || dev.backend.adapterInfo.device})`,
    device: 'webgpu',
    context: () => dev.ctx,
    tolScale: 10,
    dtypes: dev.backend.dtypes,
    groups: GPU_GROUPS,
  });
});
