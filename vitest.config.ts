import { defineConfig } from 'vitest/config';

// One run over every package and app. Workspace packages resolve to their TypeScript sources
// through the `@tessera/source` export condition, so tests need no build step.
export default defineConfig({
  resolve: { conditions: ['@tessera/source'] },
  // Vitest runs tests in Vite's SSR environment, which takes its conditions from `ssr.resolve`; without this,
  // a test that imports another workspace package (an app importing @tessera/rl) fails to resolve it.
  ssr: { resolve: { conditions: ['@tessera/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
