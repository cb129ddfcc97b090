import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

it('the README example prints the book grid values row by row', async () => {
  const logged = await runReadmeExample(root, { '@tessera/rl': join(root, 'src', 'index.ts') });
  // Row 4 of the book's optimal values: 8.0 10.0 10.0 10.0 8.0.
  expect(String(logged[3][0])).toMatch(/8\.0 .*10\.0 .*10\.0 .*10\.0 .*8\.0/);
  expect(logged).toHaveLength(6);
});
