import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('learns to count on and continues both prompts', async () => {
    const logged = await runReadmeExample(root, { '@tessera/transformer': join(root, 'src', 'index.ts') });
    expect(logged).toEqual([
      [
        [
          [6, 7, 8, 9],
          [0, 1, 2, 3],
        ],
      ],
    ]);
  });
});
