#!/usr/bin/env node
/**
 * `vv`. The plain `vv meta [--json] FILE…` takes a short path to its own module (no commander, no
 * other command's code), so that it starts in little more than Node's own start-up; every other
 * command line goes through the full program.
 */
import { plainMetaArguments, runMeta } from './cli-meta.js';

const meta = plainMetaArguments(process.argv.slice(2));
if (meta) {
  await runMeta(meta.files, { json: meta.json }).catch((err: Error) => {
    console.error(`vv: ${err.stack ?? err.message}`);
    process.exit(2);
  });
} else {
  await import('./cli-program.js');
}
