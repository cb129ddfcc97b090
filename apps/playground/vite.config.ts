import { defineConfig } from 'vite';
import { mnistAsset } from './build/mnist-asset-plugin.js';

// Cross-origin isolation (SharedArrayBuffer, so the CPU backend can run WebAssembly on several
// threads): every server that hosts the page should send these two headers.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative URLs: the build works from any folder of any static host.
  base: './',
  // The packages' published entry points (`dist`, the `import` condition), not their sources.
  resolve: { conditions: ['browser', 'import', 'module', 'default'] },
  plugins: [mnistAsset(300)],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
