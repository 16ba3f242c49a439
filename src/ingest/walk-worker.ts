/** Worker thread: reads the library folders the walk sends (see walk.ts `readInWorkers`), one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { readFolder, type FolderContext, type WalkReply, type WalkRequest } from './walk.js';

const context = workerData as FolderContext;

parentPort!.on('message', async ({ id, dir, known }: WalkRequest) => {
  // No event loop to keep free here: a large folder is read in one go.
  parentPort!.postMessage({ id, listing: await readFolder(context, dir, known, false) } satisfies WalkReply);
});
