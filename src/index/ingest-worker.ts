/** Worker thread: ingests the files the pool sends, one at a time. */
import { parentPort } from 'node:worker_threads';
import { ingestFile, packForStore, type IngestExtras } from './ingest.js';
import { readMetadataFile } from './metadata/file.js';

interface Job {
  id: number;
  absPath: string;
  relPath: string;
  extras: IngestExtras;
  /** `meta`: metadata only (sparse read, no hash), as `vv meta` does. */
  kind?: 'ingest' | 'meta';
}

parentPort!.on('message', async (job: Job) => {
  if (job.kind === 'meta') {
    // As JSON text: one string crosses the thread boundary instead of a deep object graph.
    parentPort!.postMessage({ id: job.id, result: JSON.stringify(await readMetadataFile(job.absPath)) });
    return;
  }
  const result = await ingestFile(job.absPath, job.relPath, job.extras);
  parentPort!.postMessage({ id: job.id, result: packForStore(result) });
});
