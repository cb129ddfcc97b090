import { autocast, matmul, randn, softmax, sum } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { testDevice } from './test-device.js';

const dev = await testDevice();
const suite = describe.skipIf('skip' in dev);

suite('autocast on webgpu', () => {
  const { ctx, backend } = dev as Exclude<typeof dev, { skip: string }>;
  const f16 = backend.dtypes.includes('f16');
  console.log(`autocast on webgpu: the adapter ${f16 ? 'has' : 'lacks'} shader-f16`);

  it('f16 where the adapter has shader-f16: matmul in f16 agrees with the CPU’s f16 matmul; softmax and sums in f32', async () => {
    const a = randn([33, 17], { context: ctx });
    const b = randn([17, 9], { context: ctx });
    const cpuOut = autocast(() => matmul(a, b), { context: ctx });
    if (!f16) {
      // Without the feature the cast to f16 is refused on the device, naming the feature.
      expect(() => autocast(() => matmul(a.to('webgpu'), b.to('webgpu')), { context: ctx })).toThrow(
        /shader-f16/,
      );
      return;
    }
    const [gpuOut, s, total] = autocast(
      () => {
        const m = matmul(a.to('webgpu'), b.to('webgpu'));
        return [m, softmax(m, 1), sum(m)];
      },
      { context: ctx },
    );
    expect(gpuOut.dtype).toBe('f16');
    expect(s.dtype).toBe('f32');
    expect(total.dtype).toBe('f32');
    const want = cpuOut.dataSync();
    const got = await gpuOut.data();
    for (let i = 0; i < want.length; i++) {
      // Both round one f32-accumulated sum to f16; the sums may differ in the last f32 bits.
      expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(Math.abs(want[i]) * 2 ** -10 + 1e-3);
    }
    const rows = await s.data();
    for (let r = 0; r < 33; r++) {
      let z = 0;
      for (let c = 0; c < 9; c++) z += rows[r * 9 + c];
      expect(z).toBeCloseTo(1, 5);
    }
  });
});
