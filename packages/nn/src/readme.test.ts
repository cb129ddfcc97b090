import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The README's "## Example" code block, importing this package from source. */
function example(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ## Example ts block');
  return block[1].replaceAll("'@tessera/nn'", `'${join(root, 'src', 'index.ts')}'`);
}

describe('README example', () => {
  it('runs as written and prints the parameter count and state-dict keys', async () => {
    const dir = join(root, 'node_modules', '.readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'example.ts');
    writeFileSync(file, example());
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
      expect(log).toHaveBeenCalledWith(131, ['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']);
    } finally {
      log.mockRestore();
    }
  });
});
