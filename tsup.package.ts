import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

interface PackageExport {
  '@tessera/source': string;
}

/**
 * The build every published package shares: one ESM entry per `exports` subpath of the package.json in
 * the working directory (its `@tessera/source` file), with declarations and source maps, so the entries
 * can never drift from the exports. Dependencies and peer dependencies stay external (tsup's default);
 * `external` adds others, such as optional runtime packages a package only imports dynamically.
 */
export function packageBuild(options: { external?: string[] } = {}) {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, PackageExport> };
  const entry = Object.values(pkg.exports).map((e) => e['@tessera/source']);
  const config: Options = {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    tsconfig: 'tsconfig.build.json',
    external: ['vitest', ...(options.external ?? [])],
  };
  return defineConfig(config);
}
