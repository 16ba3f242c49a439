import { defineConfig } from 'vite';

// The gallery: src/ui → dist/ui (served by the API server at /).
export default defineConfig({
  root: 'src/ui',
  base: '/',
  build: {
    outDir: '../../dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  logLevel: 'warn',
});
