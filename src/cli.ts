#!/usr/bin/env node
/**
 * `vv`. The plain `vv meta [--json] FILE…` takes a short path to its own module (no commander, no
 * other command's code), so that it starts in little more than Node's own start-up; every other
 * command line goes through the full program, bundled when the build made a current bundle.
 */
import fs from 'node:fs';
import { plainMetaArguments, runMeta } from './cli-meta.js';

/**
 * The program bundle (dist/program/, scripts/bundle-program.mjs) when it is at least as new as
 * the compiled modules: a server's first page at 1M images 1.1–1.5 → 0.8–1.0 s. Otherwise
 * (sources, a tsc-only rebuild) the modules.
 */
function programModule(): string {
  const bundle = new URL('../program/cli-program.js', import.meta.url);
  try {
    if (fs.statSync(bundle).mtimeMs >= fs.statSync(new URL('./cli-program.js', import.meta.url)).mtimeMs) return bundle.href;
  } catch {
    // no bundle (running from sources, or built without it)
  }
  return './cli-program.js';
}

const meta = plainMetaArguments(process.argv.slice(2));
if (meta) {
  await runMeta(meta.files, { json: meta.json }).catch((err: Error) => {
    console.error(`vv: ${err.stack ?? err.message}`);
    process.exit(2);
  });
} else {
  await import(programModule());
}
