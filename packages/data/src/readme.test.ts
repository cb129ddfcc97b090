import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written: a batch of MNIST and a tokenizer round trip', async () => {
    const logged = await runReadmeExample(root, {
      '@tessera/data/node': join(root, 'src', 'mnist-node.ts'),
      '@tessera/data': join(root, 'src', 'index.ts'),
    });
    expect(logged).toEqual([
      [[128, 1, 28, 28], 'i32', 62],
      [7, 'be or not', [2000]],
    ]);
  });
});
