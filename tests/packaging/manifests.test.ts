/**
 * What every published manifest must say, checked on the sources (no build needed): the license file,
 * the metadata npm shows, Node's floor, exports without the workspace-only condition once published,
 * and internal dependencies that cannot install a second copy of core or autograd.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishedPackages, repoRoot } from '../../scripts/packages.js';

const repository = 'https://github.com/tessera-ml/tessera';
const packages = publishedPackages();
const peers = ['@tessera/core', '@tessera/autograd'];

/** The @tessera packages a package's non-test sources import. */
function importedTessera(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        for (const m of readFileSync(full, 'utf8').matchAll(/from '(@tessera\/[a-z-]+)/g)) found.add(m[1]);
      }
    }
  };
  walk(join(repoRoot, dir, 'src'));
  return found;
}

describe('published manifests', () => {
  it('are the seventeen non-private packages (app-kit and plot stay private)', () => {
    expect(packages.map((p) => p.dir.replace('packages/', ''))).toEqual(
      [
        'attention',
        'autograd',
        'autoregressive',
        'core',
        'data',
        'gui-agent',
        'memory',
        'moe',
        'nn',
        'onnx',
        'optim',
        'preference',
        'rl',
        'rl-deep',
        'transformer',
        'vision',
        'webgpu',
      ].sort((a, b) => `@tessera/${a}`.localeCompare(`@tessera/${b}`)),
    );
  });

  for (const { dir, manifest } of packages) {
    describe(manifest.name, () => {
      it('ships an MIT LICENSE naming the Tessera contributors, 2026', () => {
        const license = readFileSync(join(repoRoot, dir, 'LICENSE'), 'utf8');
        expect(license.split('\n').slice(0, 3)).toEqual([
          'MIT License',
          '',
          'Copyright (c) 2026 Tessera contributors',
        ]);
        expect(license).toContain(
          'Permission is hereby granted, free of charge, to any person obtaining a copy',
        );
        expect(manifest.license).toBe('MIT');
        expect(manifest.files).toContain('LICENSE');
      });

      it('names its repository, home page, issue tracker, author and Node floor', () => {
        expect(manifest.repository).toEqual({ type: 'git', url: `git+${repository}.git`, directory: dir });
        expect(manifest.homepage).toBe(`${repository}/tree/main/${dir}#readme`);
        expect(manifest.bugs).toEqual({ url: `${repository}/issues` });
        expect(manifest.author).toBe('Tessera contributors');
        expect(manifest.keywords).toContain('tessera');
        // The CPU thread pool reaches node:worker_threads through process.getBuiltinModule (Node 20.16).
        expect(manifest.engines).toEqual({ node: '>=20.16' });
      });

      it('has top-level types and main matching the root export', () => {
        expect(manifest.types).toBe(manifest.exports['.'].types);
        expect(manifest.main).toBe(manifest.exports['.'].import);
      });

      it('publishes its exports without the workspace-only @tessera/source condition', () => {
        const published = manifest.publishConfig?.exports ?? {};
        expect(Object.keys(published)).toEqual(Object.keys(manifest.exports));
        for (const [subpath, conditions] of Object.entries(manifest.exports)) {
          const { '@tessera/source': source, ...rest } = conditions;
          expect(source).toMatch(/^\.\/src\//);
          expect(published[subpath]).toEqual(rest);
          expect(Object.keys(published[subpath])[0]).toBe('types');
        }
      });

      it('takes core and autograd as caret peers and other @tessera packages as workspace:^ ranges', () => {
        const imported = importedTessera(dir);
        imported.delete(manifest.name);
        const deps = manifest.dependencies ?? {};
        const peerDeps = manifest.peerDependencies ?? {};
        const devDeps = manifest.devDependencies ?? {};
        for (const name of imported) {
          if (peers.includes(name)) {
            expect({ [name]: peerDeps[name] }).toEqual({ [name]: 'workspace:^' });
            expect({ [name]: devDeps[name] }).toEqual({ [name]: 'workspace:^' });
          } else {
            expect({ [name]: deps[name] }).toEqual({ [name]: 'workspace:^' });
          }
        }
        for (const name of peers) expect(Object.keys(deps)).not.toContain(name);
        const internal = Object.entries({ ...deps, ...peerDeps, ...devDeps }).filter(([n]) =>
          n.startsWith('@tessera/'),
        );
        for (const [name, range] of internal) expect({ [name]: range }).toEqual({ [name]: 'workspace:^' });
      });
    });
  }

  it('@webgpu/types is a dependency of @tessera/webgpu, whose declarations use the GPU types', () => {
    const webgpu = packages.find((p) => p.manifest.name === '@tessera/webgpu')!;
    expect(webgpu.manifest.dependencies?.['@webgpu/types']).toMatch(/^\^/);
    const tsup = readFileSync(join(repoRoot, 'packages/webgpu/tsup.config.ts'), 'utf8');
    expect(tsup).toContain("typesReferences: ['@webgpu/types']");
  });
});
