import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written: the first loss is ln 2, then every pair is ranked right with a positive margin', async () => {
    const logged = await runReadmeExample(root, { '@tessera/preference': join(root, 'src', 'index.ts') });
    expect(logged).toEqual([['0.6931', 1, true]]);
  });
});
