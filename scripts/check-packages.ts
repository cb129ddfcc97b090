/**
 * `pnpm check:packages` (after `pnpm build`): packs every published package as `pnpm publish` would
 * and lints each tarball with publint (strict: warnings fail) and Are the Types Wrong (the ESM-only
 * profile: types must resolve under node16 from ESM and under bundler resolution; node10 and
 * require() are not supported, the packages being ESM-only). Exits non-zero on any problem.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, publishedPackages, repoRoot, unbuilt } from './packages.js';

const missing = unbuilt();
if (missing.length > 0) {
  console.error(`check:packages: no dist for ${missing.join(', ')}: run pnpm build first`);
  process.exit(1);
}

const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
const destination = mkdtempSync(join(tmpdir(), 'tessera-check-packages-'));
const failures: string[] = [];
try {
  for (const pkg of publishedPackages()) {
    const name = pkg.manifest.name;
    const tarball = pack(pkg, destination);
    const checks: [string, string, string[]][] = [
      ['publint', bin('publint'), ['run', tarball, '--strict']],
      [
        'attw',
        bin('attw'),
        [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'],
      ],
    ];
    for (const [tool, command, args] of checks) {
      const run = spawnSync(command, args, { encoding: 'utf8' });
      const ok = run.status === 0;
      console.log(`${tool} ${name}: ${ok ? 'ok' : 'FAILED'}`);
      if (!ok) {
        console.log(`${run.stdout}${run.stderr}`);
        failures.push(`${tool} ${name}`);
      }
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`check:packages: ${failures.length} failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`check:packages: ${publishedPackages().length} packages clean under publint and attw`);
