/**
 * Worker thread for `vv meta` (an IngestPool with `worker: 'meta-worker'`): metadata records as
 * JSON text. Loads only the metadata readers (no image decoder, no hasher), so it starts fast.
 */
import { parentPort } from 'node:worker_threads';
import { readMetadataJson } from '../metadata/file.js';

parentPort!.on('message', async (job: { id: number; absPath: string }) => {
  parentPort!.postMessage({ id: job.id, result: await readMetadataJson(job.absPath) });
});
