import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written and recovers w ≈ 3, b ≈ −1', async () => {
    const logged = await runReadmeExample(root, { '@tessera/optim': join(root, 'src', 'index.ts') });
    const [w, b] = logged[0] as [number, number];
    expect(w).toBeCloseTo(3, 2);
    expect(b).toBeCloseTo(-1, 2);
  });
});
