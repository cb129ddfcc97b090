import {
  add,
  type Context,
  createContext,
  defineOp,
  dispatch,
  exp,
  mul,
  TesseraError,
  tensor,
  tidy,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { initWebGPU, webgpuBackendOf } from './init.js';
import { readMany } from './read.js';
import { testDevice } from './test-device.js';

const dev = await testDevice();
const suite = describe.skipIf('skip' in dev);

describe('sizeClass', async () => {
  const { sizeClass } = await import('./buffer-pool.js');
  it('rounds up by at most a quarter, to at least 256 bytes', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    for (const b of [300, 5000, 123_457, 9_999_999]) {
      expect(sizeClass(b)).toBeGreaterThanOrEqual(b);
      expect(sizeClass(b)).toBeLessThanOrEqual(b * 1.25 + 256);
    }
  });
});

suite('webgpu backend', () => {
  const { ctx, backend } = dev as Exclude<typeof dev, { skip: string }>;
  const on = { context: ctx, device: 'webgpu' } as const;

  it('webgpuBackendOf returns the registered backend, or registers one on a context without it', async () => {
    expect(await webgpuBackendOf(ctx)).toBe(backend);
    const fresh = createContext();
    expect(fresh.hasBackend('webgpu')).toBe(false);
    const made = await webgpuBackendOf(fresh);
    expect(fresh.backend('webgpu')).toBe(made);
    expect(made).not.toBe(backend);
    made.destroy();
  });

  it('reports the adapter', () => {
    expect(backend.adapterInfo.description.length + backend.adapterInfo.device.length).toBeGreaterThan(0);
    expect(['software', 'gpu']).toContain(backend.adapterClass);
  });

  it('moves tensors CPU → GPU synchronously and GPU → CPU with toAsync', async () => {
    const c = tensor([1, 2, 3], { context: ctx });
    const g = c.to('webgpu');
    expect(g.device).toBe('webgpu');
    expect(() => g.to('cpu')).toThrow(/reads asynchronously/);
    const back = await g.toAsync('cpu');
    expect(back.device).toBe('cpu');
    expect([...back.dataSync()]).toEqual([1, 2, 3]);
    for (const t of [c, g, back]) t.dispose();
  });

  it('rejects f64 with a message naming the dtype and the device', () => {
    let err: unknown;
    try {
      tensor([1, 2], { ...on, dtype: 'f64' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as Error).message).toMatch(/f64 is CPU-only/);
    expect((err as Error).message).toMatch(/'webgpu'/);
    const x = tensor([1, 2], on);
    expect(() => x.cast('f64')).toThrow(/cast.*f64 is CPU-only|allocate: f64 is CPU-only/);
    x.dispose();
  });

  it('rejects bf16 (WGSL has no bf16) naming the dtype and the device', () => {
    expect(() => tensor([1, 2], { ...on, dtype: 'bf16' })).toThrow(
      /^upload: bf16 is not supported on webgpu \(WGSL has no bf16 type\).*'webgpu'/,
    );
  });

  it.skipIf(!backend?.dtypes.includes('f16'))(
    'stores f16 as 2-byte bit patterns, read back as the CPU stores them (odd lengths too)',
    async () => {
      const values = [1, -2.5, 65504, 1e-7, Number.POSITIVE_INFINITY, Number.NaN, 0.1];
      const c = tensor(values, { context: ctx, dtype: 'f16' });
      const before = backend.memory().liveBytes;
      const g = c.to('webgpu');
      expect(backend.memory().liveBytes - before).toBe(256); // the smallest size class
      expect([...(await g.data())]).toEqual([...c.dataSync()]);
      const y = g.mul(3).add(1);
      expect(y.dtype).toBe('f16');
      expect([...(await y.data())]).toEqual([...c.mul(3).add(1).dataSync()]);
      const big = tensor(new Float32Array(4096).fill(0.5), { ...on, dtype: 'f16' });
      const f32 = tensor(new Float32Array(4096).fill(0.5), on);
      const live = backend.memory().liveBytes;
      big.dispose();
      expect(live - backend.memory().liveBytes).toBe(8192); // 2 bytes per element
      f32.dispose();
      expect(live - backend.memory().liveBytes).toBe(8192 + 16384);
      const [h, t] = await readMany([g.cast('f32'), g.flip([0])] as const);
      expect([...h]).toEqual([...c.dataSync()]);
      expect([...t]).toEqual([...c.dataSync()].reverse());
      for (const x of [c, g, y]) x.dispose();
    },
  );

  it('without shader-f16, f16 tensors are rejected naming the dtype and the missing feature', async () => {
    const plain = (await import('@tessera/core')).createContext();
    const b = await initWebGPU({ context: plain, shaderF16: false });
    expect(b.dtypes).not.toContain('f16');
    const msg =
      /f16 on webgpu needs the adapter feature 'shader-f16', which this adapter lacks; cast the tensor to f32/;
    expect(() => tensor([1, 2], { context: plain, device: 'webgpu', dtype: 'f16' })).toThrow(msg);
    const x = tensor([1, 2], { context: plain, device: 'webgpu' });
    expect(() => x.cast('f16')).toThrow(msg);
    x.dispose();
    b.destroy();
  });

  it('names the op when it has neither a kernel nor a decomposition', () => {
    const custom = defineOp({
      name: 'myCustomOp',
      differentiable: false,
      infer: ([x]) => [{ shape: [...x.shape], dtype: x.dtype }],
    });
    const x = tensor([1, 2], on);
    expect(() => dispatch(custom, [x], {})).toThrow(/^myCustomOp: no webgpu kernel for \[2\] f32 on webgpu/);
    x.dispose();
  });

  it('readMany reads several tensors (views included) in one submit', async () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], on);
    const b = a.transpose(0, 1);
    const c = tensor([true, false], on);
    const d = tensor([7, -8], { ...on, dtype: 'i32' });
    const [ra, rb, rc, rd] = await readMany([a, b, c, d] as const);
    expect([...ra]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...rb]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(rc).toBeInstanceOf(Uint8Array);
    expect([...rc]).toEqual([1, 0]);
    expect([...rd]).toEqual([7, -8]);
    for (const t of [a, b, c, d]) t.dispose();
  });

  it('a 1,000-iteration loop of ops keeps live buffers and the pool bounded', async () => {
    let x = tensor(new Float32Array(4096).fill(0.5), [64, 64], on);
    const before = backend.memory();
    const sizes: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const next = tidy(() => add(mul(exp(x.neg()), 0.5), x.transpose(0, 1).mul(0.25)), ctx);
      x.dispose();
      x = next;
      if (i % 100 === 99) {
        await x.data(); // a read submits the batch and recycles what it released
        const m = backend.memory();
        sizes.push(m.liveBuffers + m.pooledBuffers);
      }
    }
    const after = backend.memory();
    expect(after.liveBuffers - before.liveBuffers).toBeLessThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(sizes[0] + 2);
    expect(after.pooledBytes).toBeLessThan(64 * 1024 * 1024);
    expect(ctx.memory().devices.webgpu.tensors).toBeLessThanOrEqual(before.liveBuffers + 8);
    const v = await x.data();
    expect(Number.isFinite(v[0])).toBe(true);
    x.dispose();
  });

  it('a lost device gives a clear error', async () => {
    const lostCtx: Context = (await import('@tessera/core')).createContext();
    const b = await initWebGPU({ context: lostCtx });
    const x = tensor([1, 2, 3], { context: lostCtx, device: 'webgpu' });
    b.gpuDevice.destroy();
    await b.gpuDevice.lost;
    expect(b.isLost).toBe(true);
    expect(() => x.exp()).toThrow(/the WebGPU device was lost \(destroyed.*initWebGPU\(\) again/);
    await expect(x.data()).rejects.toThrow(/device was lost/);
    expect(() => tensor([1], { context: lostCtx, device: 'webgpu' })).toThrow(/initWebGPU\(\) again/);
  });
});
