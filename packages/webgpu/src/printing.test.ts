import { tensor } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import { testDevice } from './test-device.js';

const dev = await testDevice();
const suite = describe.skipIf('skip' in dev);

// Expected strings follow PyTorch's printing rules by hand (see core's format.test.ts).
suite('printing a WebGPU tensor', () => {
  const { ctx } = dev as Exclude<typeof dev, { skip: string }>;

  it('String(t) cannot read synchronously and says how; toStringAsync and print read the values', async () => {
    const t = tensor(
      [
        [1.5, -2.25],
        [3, 4],
      ],
      { context: ctx, device: 'webgpu' },
    );
    expect(String(t)).toBe(
      'tensor(<on webgpu: await t.print() or t.toStringAsync() to read>, shape=[2, 2],\n' +
        '       dtype=f32, device=webgpu)',
    );
    const want =
      'tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]], shape=[2, 2], dtype=f32, device=webgpu)';
    expect(await t.toStringAsync()).toBe(want);
    expect(await t.T.toStringAsync()).toBe(
      'tensor([[ 1.5000,  3.0000],\n        [-2.2500,  4.0000]], shape=[2, 2], dtype=f32, device=webgpu)',
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await t.print();
      expect(log.mock.calls[0][0]).toBe(want);
    } finally {
      log.mockRestore();
    }
    expect(() => t.tolist()).toThrow(
      /^tolist: .*'webgpu', which reads asynchronously; use await t.array\(\)/,
    );
  });
});
