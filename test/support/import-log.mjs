/**
 * `node --import ./test/support/import-log.mjs …`: appends every module URL the process (and its
 * worker threads, which run the same `--import`) resolves to the file named by VV_IMPORT_LOG.
 */
import { register } from 'node:module';

register('./import-log-hooks.mjs', import.meta.url);
