import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('tokenizes two pictures into 4×4 grids and decodes them back', async () => {
    const logged = await runReadmeExample(root, { '@tessera/vision': join(root, 'src', 'index.ts') });
    expect(logged).toEqual([[[2, 4, 4], true]]);
  });
});
