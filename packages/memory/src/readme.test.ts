import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('the README example prints Llama 2 7B’s count and the ZeRO paper’s per-rank figures', async () => {
  const logged = await runReadmeExample(root, { '@tessera/memory': join(root, 'src', 'index.ts') });
  expect(logged[0][0]).toBe(6_738_415_616);
  expect(logged[1][0]).toEqual(['120.0', '31.4', '16.6', '1.9']);
  expect(logged[2][0]).toHaveLength(4);
  // By hand: linear 2·64·256 floats, relu 64·256, linear 2·64·10, cross-entropy 64·10 floats,
  // 21 B per row and 3 floats; backward stops at the first linear, holding its incoming 64·256.
  expect(logged[3]).toEqual([4 * (2 * 64 * 256 + 64 * 256 + 2 * 640 + 640) + 64 * 21 + 12, 4 * 64 * 256]);
});
