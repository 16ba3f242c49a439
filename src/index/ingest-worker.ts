/** Worker thread: ingests the files the pool sends, one at a time. */
import { parentPort } from 'node:worker_threads';
import { ingestFile } from './ingest.js';

interface Job {
  id: number;
  absPath: string;
  relPath: string;
}

parentPort!.on('message', async (job: Job) => {
  const result = await ingestFile(job.absPath, job.relPath);
  parentPort!.postMessage({ id: job.id, result });
});
