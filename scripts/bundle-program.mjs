/**
 * Bundles the compiled program (dist/src/cli-program.js) into dist/program/ for a faster start:
 * Node's loaders spent ~0.5 s of `vv serve`'s start on ~200 of our modules and ~400 small
 * CommonJS files of pure-JS dependencies (koa, the body parser's qs, zod…). Split where the
 * program imports lazily, so a command loads only its own chunks. Native packages and those that
 * load files of their own at run time stay external. src/cli.ts uses the bundle when it is current.
 */
import { build } from 'esbuild';

const EXTERNAL = [
  'better-sqlite3', 'sharp', 'fuse-native', 'onnxruntime-node', 'usearch', // native
  '@huggingface/transformers', 'xxhash-wasm', 'exifr', 'chokidar', // own files, wasm, optional natives
];

await build({
  entryPoints: ['dist/src/cli-program.js'],
  outdir: 'dist/program',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS code calls require(); ESM chunks have none of their own.
  banner: { js: "import { createRequire as vvCreateRequire } from 'node:module'; const require = vvCreateRequire(import.meta.url);" },
  // Worker modules stay in dist/src: src/core/spawn-worker.ts finds them from a chunk by this.
  define: { VV_PROGRAM_BUNDLE: 'true' },
  logLevel: 'warning',
});
