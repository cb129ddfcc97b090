import { defineConfig } from 'vitest/config';

// One run over every package and app. Workspace packages resolve to their TypeScript sources
// through the `@tessera/source` export condition, so tests need no build step.
const conditions = ['@tessera/source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'interop/*/src/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The garbage-collection safety-net tests call gc() (and fail without it rather than skip).
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
