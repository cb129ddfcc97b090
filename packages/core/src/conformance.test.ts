import { describe, expect, it } from 'vitest';
import { createContext } from './default-context.js';
import { CORE_OPS } from './ops/index.js';
import { ALL_GROUPS, describeConformance } from './testing/index.js';

// The WebAssembly SIMD kernels on two threads (so the worker pool is exercised whatever the
// machine), and the pure TypeScript kernels they fall back to.
describeConformance({
  name: 'cpu (wasm simd, 2 threads)',
  device: 'cpu',
  context: () => createContext({ cpu: { threads: 2 } }),
});
describeConformance({
  name: 'cpu (typescript)',
  device: 'cpu',
  context: () => createContext({ cpu: { simd: false } }),
});

describe('conformance coverage', () => {
  // toDevice needs a second backend; the WebGPU package covers it.
  const ops = CORE_OPS.map((d) => d.name).filter((n) => n !== 'toDevice');
  it('every core op has at least one value case', () => {
    const covered = new Set(ALL_GROUPS.flatMap((g) => g.cases.map((c) => c.op)));
    expect(ops.filter((n) => !covered.has(n))).toEqual([]);
  });
  it('every core op has at least one bad-input case', () => {
    const covered = new Set(ALL_GROUPS.flatMap((g) => g.errors.map((c) => c.op)));
    expect(ops.filter((n) => !covered.has(n))).toEqual([]);
  });
});
