import { CORE_OPS } from '@tessera/core';
import { claimedOps, SUPPORT_TABLE_BACKENDS } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { allKernels } from './kernels/index.js';

// The kernel table is plain data: this test needs no adapter.
describe('WebGPU kernel coverage', () => {
  const names = new Set<string>(allKernels().keys());
  const webgpu = SUPPORT_TABLE_BACKENDS.find((b) => b.name === 'webgpu')!;
  const decomposed = webgpu.decomposed ?? [];
  const kernelFree = new Set(CORE_OPS.filter((d) => d.view || d.run).map((d) => d.name));

  it('every op the README support table lists for webgpu has a WGSL kernel, unless the table marks it decomposed', () => {
    const claimed = claimedOps(webgpu);
    expect(claimed.length).toBeGreaterThan(50);
    const missing = claimed.filter((n) => !kernelFree.has(n) && !names.has(n));
    expect(missing.filter((n) => !decomposed.includes(n))).toEqual([]);
    // The marks stay exact: a kernel added later removes its op from the list.
    expect([...decomposed].sort()).toEqual(missing.sort());
  });

  it('the ops the table marks decomposed have a decomposition to run', () => {
    const withoutOne = decomposed.filter((n) => !CORE_OPS.find((d) => d.name === n)?.decompose);
    expect(withoutOne).toEqual([]);
  });

  it('every core op that is not a view, a run or a decomposition has a WGSL kernel', () => {
    const needKernel = CORE_OPS.filter((d) => !d.decompose && !d.view && !d.run).map((d) => d.name);
    expect(needKernel.filter((n) => !names.has(n))).toEqual([]);
  });
});
