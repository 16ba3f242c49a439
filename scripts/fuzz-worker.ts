/** Fuzz worker: extracts the metadata of the bytes it is sent and answers the record's JSON size. */
import { parentPort } from 'node:worker_threads';
import { extractMetadata } from '../src/metadata/extract.js';

parentPort!.on('message', async (job: { id: number; bytes: Uint8Array }) => {
  const record = await extractMetadata('fuzz', job.bytes);
  // Serialised as `vv meta --json` and the store do: a record too deep to serialise is a crash.
  const json = JSON.stringify(record);
  parentPort!.postMessage({ id: job.id, jsonBytes: json.length, error: record.error ?? null });
});
