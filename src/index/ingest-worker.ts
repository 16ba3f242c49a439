/** Worker thread: ingests the files the pool sends, one at a time. */
import { parentPort } from 'node:worker_threads';
import { ingestFile, packForStore, type IngestExtras } from './ingest.js';
import { readMetadataFile } from './metadata/file.js';
import { pixelPass } from './phash.js';
import sharp from 'sharp';

// Each worker decodes one image at a time; libvips' own thread pool would oversubscribe the cores.
sharp.concurrency(1);

interface Job {
  id: number;
  absPath: string;
  relPath: string;
  extras: IngestExtras;
  /** `meta`: metadata only (sparse read, no hash), as `vv meta` does; `phash`: perceptual hash. */
  kind?: 'ingest' | 'meta' | 'phash';
  /** `phash`: also write the thumbnail here, from the same decode. */
  thumbnail?: string | null;
}

parentPort!.on('message', async (job: Job) => {
  if (job.kind === 'meta') {
    // As JSON text: one string crosses the thread boundary instead of a deep object graph.
    parentPort!.postMessage({ id: job.id, result: JSON.stringify(await readMetadataFile(job.absPath)) });
    return;
  }
  if (job.kind === 'phash') {
    const result = await pixelPass(job.absPath, job.thumbnail ?? null).catch((err: Error) => ({ error: err.message }));
    parentPort!.postMessage({ id: job.id, result });
    return;
  }
  const result = await ingestFile(job.absPath, job.relPath, job.extras);
  parentPort!.postMessage({ id: job.id, result: packForStore(result) });
});
