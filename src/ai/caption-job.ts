/**
 * `vv caption [--all]`: captions the present images that have no prompt — those without a caption
 * (or, with `all`, every one whose caption came from a model; a user's caption is never replaced) —
 * in batches through the captioner, decoding the next batch while the current one runs.
 */
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../db/store.js';
import { Captioner, type CaptionerInfo } from './captioner.js';
import { preprocess } from './encoder.js';

export interface CaptionRun {
  captioned: number;
  failed: { path: string; error: string }[];
}

export async function captionImages(store: Store, root: string, info: CaptionerInfo, options: { all?: boolean; batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<CaptionRun> {
  const captioner = new Captioner(info, os.availableParallelism());
  const batchSize = options.batchSize ?? 8;
  const run: CaptionRun = { captioned: 0, failed: [] };
  // A snapshot of the targets first: with `all`, captions written now would otherwise be picked up again.
  const targets: { id: number; path: string }[] = [];
  for (let after = 0; ; ) {
    const page = store.captionTargets(after, 1000, options.all);
    if (page.length === 0) break;
    targets.push(...page);
    after = page[page.length - 1].id;
  }
  const decode = (batch: { id: number; path: string }[]) => Promise.allSettled(batch.map((t) => preprocess(path.join(root, t.path), info.pixels)));
  try {
    let pending = decode(targets.slice(0, batchSize));
    for (let i = 0; i < targets.length; i += batchSize) {
      const batch = targets.slice(i, i + batchSize);
      const pixels = await pending;
      pending = decode(targets.slice(i + batchSize, i + 2 * batchSize));
      const ok = batch.filter((_, k) => pixels[k].status === 'fulfilled');
      pixels.forEach((p, k) => {
        if (p.status === 'rejected') run.failed.push({ path: batch[k].path, error: `cannot decode: ${(p.reason as Error).message}` });
      });
      const texts = await captioner.caption(pixels.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : [])));
      store.setAiCaptions(ok.map((t, k) => ({ id: t.id, caption: texts[k] })));
      run.captioned += ok.length;
      options.onProgress?.(run.captioned);
    }
  } finally {
    await captioner.close();
  }
  return run;
}
