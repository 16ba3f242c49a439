/** Worker thread: ingests the files the pool sends, one at a time. */
import { parentPort } from 'node:worker_threads';
import { ingestFile, packForStore, type IngestExtras } from './ingest.js';
import { readMetadataJson } from '../metadata/file.js';
import { pixelPass } from './phash.js';
import { posterInput, type FrameSource } from './media-frames.js';
import sharp from 'sharp';

// Each worker decodes one image at a time; libvips' own thread pool would oversubscribe the cores.
sharp.concurrency(1);
// Every file is decoded once: libvips' operation cache would only hold memory.
sharp.cache(false);

interface Job {
  id: number;
  absPath: string;
  relPath: string;
  extras: IngestExtras;
  /** `meta`: metadata only (sparse read, no hash), as `vv meta` does; `phash`: perceptual hash. */
  kind?: 'ingest' | 'meta' | 'phash';
  /** `phash`: also write the thumbnail here, from the same decode. */
  thumbnail?: string | null;
  /** `phash`: an animation's or video's frames (the poster is decoded, not the file). */
  media?: FrameSource;
}

/**
 * Pixel jobs decode whole images: two at a time per worker (the pool queues dozens per worker), so
 * decodes do not thrash each other and decoded buffers do not pile up (bench:pixels, 1024×1536
 * PNGs: 29/s limited, 21/s unbounded).
 */
const PIXEL_JOBS_AT_ONCE = 2;
let pixelJobsRunning = 0;
const pixelJobsWaiting: (() => void)[] = [];

async function limitedPixelPass(job: Job) {
  // A finishing job hands its slot straight to the next waiting one.
  if (pixelJobsRunning >= PIXEL_JOBS_AT_ONCE) await new Promise<void>((resolve) => pixelJobsWaiting.push(resolve));
  else pixelJobsRunning++;
  try {
    return await posterInput(job.absPath, job.media)
      .then((input) => pixelPass(input, job.thumbnail ?? null))
      .catch((err: Error) => ({ error: err.message }));
  } finally {
    const next = pixelJobsWaiting.shift();
    if (next) next();
    else pixelJobsRunning--;
  }
}

parentPort!.on('message', async (job: Job) => {
  if (job.kind === 'meta') {
    parentPort!.postMessage({ id: job.id, result: await readMetadataJson(job.absPath) });
    return;
  }
  if (job.kind === 'phash') {
    const result = await limitedPixelPass(job);
    parentPort!.postMessage({ id: job.id, result });
    return;
  }
  const result = await ingestFile(job.absPath, job.relPath, job.extras);
  parentPort!.postMessage({ id: job.id, result: packForStore(result) });
});
