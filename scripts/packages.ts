import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package.json fields the packaging checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  publishConfig?: { exports?: Record<string, Record<string, string>> };
  [field: string]: unknown;
}

export interface PublishedPackage {
  /** The directory under the repository root, e.g. `packages/nn`. */
  dir: string;
  manifest: Manifest;
}

/** The repository root (this file lives in `scripts/`). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Every package under `packages/` that is published: all but the private ones (app-kit, plot). */
export function publishedPackages(root = repoRoot): PublishedPackage[] {
  return readdirSync(join(root, 'packages'))
    .filter((name) => existsSync(join(root, 'packages', name, 'package.json')))
    .map((name) => {
      const dir = `packages/${name}`;
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Manifest;
      return { dir, manifest };
    })
    .filter((p) => !p.manifest.private)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The packages whose `dist` is missing (no `pnpm build` yet). */
export function unbuilt(root = repoRoot): string[] {
  return publishedPackages(root)
    .filter((p) => !existsSync(join(root, p.dir, 'dist', 'index.js')))
    .map((p) => p.manifest.name);
}

/**
 * Packs one package with pnpm, as `pnpm publish` would (publishConfig applied, `workspace:` ranges
 * replaced by the versions in the workspace), into `destination`; returns the tarball's path.
 */
export function pack(pkg: PublishedPackage, destination: string, root = repoRoot): string {
  execFileSync('pnpm', ['pack', '--pack-destination', destination], {
    cwd: join(root, pkg.dir),
    stdio: 'pipe',
  });
  const { name, version } = pkg.manifest;
  const tarball = join(destination, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (!existsSync(tarball)) throw new Error(`pnpm pack in ${pkg.dir} wrote no ${tarball}`);
  return tarball;
}
