import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { expect, it } from 'vitest';
import { testDevice } from './test-device.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Fails under CI=true without an adapter, skips elsewhere (like every WebGPU test).
const dev = await testDevice('@tessera/webgpu README example');

it.skipIf('skip' in dev)('the README example runs on the adapter', async () => {
  const logged = await runReadmeExample(root, { '@tessera/webgpu': join(root, 'src', 'index.ts') });
  expect(typeof logged[0][0]).toBe('string');
  const [n, top] = logged[1] as [number, Int32Array];
  expect(n).toBe(2560);
  for (const c of top) expect(c >= 0 && c < 10).toBe(true);
  const [p0] = logged[2] as [number];
  expect(p0).toBeGreaterThan(0);
  expect(p0).toBeLessThan(1);
});
