import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written and prints the parameter count and state-dict keys', async () => {
    const logged = await runReadmeExample(root, { '@tessera/nn': join(root, 'src', 'index.ts') });
    expect(logged).toContainEqual([131, ['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']]);
  });
});
