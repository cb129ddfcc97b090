import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written: 80 slots over 8 experts, none dropped', async () => {
    const logged = await runReadmeExample(root, { '@tessera/moe': join(root, 'src', 'index.ts') });
    expect(logged).toHaveLength(1);
    const [load, cv, dropped] = logged[0] as [number[], string, number];
    expect(load).toHaveLength(8);
    expect(load.reduce((a, b) => a + b, 0)).toBe(80); // 40 tokens × top-2
    expect(Number(cv)).toBeGreaterThanOrEqual(0);
    expect(dropped).toBe(0);
  });
});
