import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs a package README's "## Example" TypeScript block as written and returns what it passed to
 * console.log, so a test can keep the README true. `imports` maps the package specifiers the
 * example uses to source files (e.g. `{ '@tessera/nn': '<root>/src/index.ts' }`).
 */
export async function runReadmeExample(
  packageRoot: string,
  imports: Record<string, string>,
): Promise<unknown[][]> {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const block = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error(`${packageRoot}/README.md has no "## Example" ts block`);
  let code = block[1];
  for (const [specifier, path] of Object.entries(imports))
    code = code.replaceAll(`'${specifier}'`, `'${path}'`);
  const dir = join(packageRoot, 'node_modules', '.readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'example.ts');
  writeFileSync(file, code);
  const calls: unknown[][] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    calls.push(args);
  };
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    console.log = original;
  }
  return calls;
}
