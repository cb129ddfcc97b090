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
 * `typesReferences` names type packages whose globals the declarations use (`@webgpu/types`): each
 * .d.ts then starts with a `/// <reference types>` to it, so a consumer's compiler loads them without
 * a `types` entry of its own (the bundled declarations drop the directives written in the sources).
 */
export function packageBuild(options: { external?: string[]; typesReferences?: string[] } = {}) {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, PackageExport> };
  const entry = Object.values(pkg.exports).map((e) => e['@tessera/source']);
  const config: Options = {
    entry,
    format: ['esm'],
    dts: { banner: (options.typesReferences ?? []).map((t) => `/// <reference types="${t}" />`).join('\n') },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    tsconfig: 'tsconfig.build.json',
    external: ['vitest', ...(options.external ?? [])],
  };
  return defineConfig(config);
}
