/**
 * Issue #23 item 1 on WebGPU: the allocation limit defaults to the device's buffer limits, and
 * errors that Dawn reports asynchronously (validation, out of memory) are caught with error
 * scopes and raised as errors of the op that caused them, not as "an earlier WebGPU command failed".
 */
import { expand, mul, ones, setAllocationLimit, sum, TesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { testDevice } from './test-device.js';

const dev = await testDevice('@tessera/webgpu limits tests');

describe.skipIf('skip' in dev)('WebGPU allocation limit and error scopes', () => {
  if ('skip' in dev) return;
  const { ctx, backend } = dev;
  const on = { device: 'webgpu', context: ctx } as const;
  const deviceLimit = Math.min(backend.limits.maxBufferSize, backend.limits.maxStorageBufferBindingSize);
  /** Elements of f32 one past what a buffer may hold. */
  const tooMany = Math.floor(deviceLimit / 4) + 1;
  /** Elements of f32 one past what Dawn creates at all (Dawn refuses it without allocating). */
  const overMaxBuffer = Math.floor(backend.limits.maxBufferSize / 4) + 1;

  it("defaults to the device's maxBufferSize and maxStorageBufferBindingSize", () => {
    expect(ctx.allocationLimit('webgpu')).toBe(deviceLimit);
    expect(backend.storageBytes('bool', 3)).toBe(12); // bool lives as u32
  });

  it('an output past the limit is an error of the op before anything is encoded', () => {
    const x = ones([1], on);
    const big = expand(x, [tooMany]);
    let err: unknown;
    try {
      mul(big, 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^mul: a f32 tensor of shape \\[${tooMany}\\] needs ${tooMany * 4} bytes.*webgpu allocation limit of ${deviceLimit} bytes`,
      ),
    );
    expect(() => ones([tooMany], on)).toThrow(/^ones: /);
    x.dispose();
  });

  it('a transfer is checked against the target device', () => {
    setAllocationLimit(64, 'webgpu', ctx);
    try {
      const x = ones([32], { context: ctx });
      expect(() => x.to('webgpu')).toThrow(
        /^to: a f32 tensor of shape \[32\] needs 128 bytes, over the webgpu allocation limit of 64 bytes/,
      );
      expect(x.narrow(0, 0, 16).to('webgpu').device).toBe('webgpu');
      x.dispose();
    } finally {
      setAllocationLimit(undefined, 'webgpu', ctx);
    }
  });

  it('a buffer Dawn refuses is raised, by the next read, as an error of the op that made it', async () => {
    // Past the core limit, so that Dawn itself sees a buffer over maxBufferSize (a validation error).
    setAllocationLimit(Number.POSITIVE_INFINITY, 'webgpu', ctx);
    try {
      const x = ones([1], on);
      const y = mul(expand(x, [overMaxBuffer]), 2); // Dawn refuses the output buffer: no memory is taken
      const s = sum(y);
      await expect(s.data()).rejects.toThrow(/^mul: WebGPU reported a validation error in this op/);
      for (const t of [x, y, s]) t.dispose();
      // The device stays usable, and the error was reported once.
      const ok = mul(ones([3], on), 2);
      expect([...(await ok.data())]).toEqual([2, 2, 2]);
      ok.dispose();
    } finally {
      setAllocationLimit(undefined, 'webgpu', ctx);
    }
  });
});
