import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/book-grid.test-support.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
});
