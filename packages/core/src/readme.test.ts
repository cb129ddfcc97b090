import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from './testing/readme-example.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('the README example runs and its softmax rows sum to 1', async () => {
  const logged = await runReadmeExample(root, { '@tessera/core': join(root, 'src', 'index.ts') });
  expect(logged[0][0]).toEqual([4, 3]);
  const sums = logged[1][0] as number[];
  expect(sums).toHaveLength(4);
  for (const s of sums) expect(s).toBeCloseTo(1, 6);
});
