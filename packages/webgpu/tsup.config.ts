import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/kernel.ts', 'src/test-device.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  tsconfig: 'tsconfig.build.json',
  external: ['webgpu', '@tessera/core'],
});
