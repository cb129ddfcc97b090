/**
 * A release dry run: the workspace's manifests and pending changesets are copied to a temporary
 * directory and `pnpm version-packages` (changesets' version step) runs there. The versions it
 * writes are checked against the bumps the changeset files name, read here on their own.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, publishedPackages, repoRoot } from '../../scripts/packages.js';

type Bump = 'patch' | 'minor' | 'major';
const order: Bump[] = ['patch', 'minor', 'major'];

/** The highest bump each package is given by the changeset files' frontmatter. */
function namedBumps(): Map<string, Bump> {
  const bumps = new Map<string, Bump>();
  const dir = join(repoRoot, '.changeset');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, file), 'utf8'));
    for (const line of front?.[1].split('\n') ?? []) {
      const m = /^["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line.trim());
      if (!m) continue;
      const [, name, bump] = m as unknown as [string, string, Bump];
      if (order.indexOf(bump) > order.indexOf(bumps.get(name) ?? 'patch') || !bumps.has(name))
        bumps.set(name, bump);
    }
  }
  return bumps;
}

/** Semver's increment, written out for the three bumps. */
function increment(version: string, bump: Bump): string {
  const [major, minor, patch] = version.split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

describe('changesets release dry run', () => {
  let work = '';
  let log = '';
  const bumps = namedBumps();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tessera-release-'));
    const manifests = ['package.json', 'pnpm-workspace.yaml'];
    for (const group of ['packages', 'apps']) {
      for (const name of readdirSync(join(repoRoot, group))) manifests.push(`${group}/${name}/package.json`);
    }
    manifests.push('bench/package.json');
    for (const file of manifests.filter((f) => existsSync(join(repoRoot, f)))) {
      mkdirSync(dirname(join(work, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(work, file));
    }
    cpSync(join(repoRoot, '.changeset'), join(work, '.changeset'), { recursive: true });
    const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
    const script = join(repoRoot, 'scripts', 'version-packages.ts');
    log = (await promisify(execFile)(tsx, [script], { cwd: work, encoding: 'utf8' })).stdout;
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the changesets name only packages of the workspace', () => {
    const names = new Set(
      readdirSync(join(repoRoot, 'packages')).map(
        (d) =>
          (JSON.parse(readFileSync(join(repoRoot, 'packages', d, 'package.json'), 'utf8')) as Manifest).name,
      ),
    );
    for (const name of bumps.keys())
      if (name.startsWith('@tessera/') && !name.startsWith('@tessera/app-')) expect(names).toContain(name);
  });

  it('gives each published package the bump its changesets name, 0.x majors from peer ranges as minors', () => {
    expect(log).toContain('@tessera/core: ');
    for (const { dir, manifest } of publishedPackages()) {
      const after = JSON.parse(readFileSync(join(work, dir, 'package.json'), 'utf8')) as Manifest;
      const bump = bumps.get(manifest.name);
      if (bump) {
        expect(`${manifest.name}@${after.version}`).toBe(
          `${manifest.name}@${increment(manifest.version, bump)}`,
        );
      } else {
        // Named by no changeset: at most one minor (a peer range left behind), never out of 0.x.
        expect([
          manifest.version,
          increment(manifest.version, 'patch'),
          increment(manifest.version, 'minor'),
        ]).toContain(after.version);
      }
      expect(after.peerDependencies?.['@tessera/core']).toBe(manifest.peerDependencies?.['@tessera/core']);
    }
  });

  it('writes changelogs and consumes the changesets', () => {
    const changelog = readFileSync(join(work, 'packages', 'core', 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^# @tessera\/core\n\n## 0\.\d+\.0\n\n### Minor Changes/);
    const left = readdirSync(join(work, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(left).toEqual([]);
  });
});
