import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('fits four patterns close to the optimum log 4 nats and prints the parameter count and sample shape', async () => {
    const logged = await runReadmeExample(root, { '@tessera/autoregressive': join(root, 'src', 'index.ts') });
    // NADE's count from the formula 2nd + n + d at n = 6, d = 16.
    expect(logged).toEqual([[true, true, 2 * 6 * 16 + 6 + 16], [[3, 6]]]);
  });
});
