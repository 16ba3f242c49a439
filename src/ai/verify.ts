/**
 * `vv models verify <name>`: re-hashes a downloaded model's files against its pins, then loads it
 * and runs the self-check (tokenizer ids, one text and one image embedded: finite, right size),
 * reporting what the loader read from each tower.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { verifyModel } from './download.js';
import { Encoder, type SelfCheckReport } from './encoder.js';
import { loadModelInfo } from './models.js';

export interface VerifyReport {
  name: string;
  ok: boolean;
  checksums: { ok: boolean; problems: string[] } | null;
  self_check: SelfCheckReport | null;
  error: string | null;
}

export async function verifyInstalledModel(modelsDir: string, name: string): Promise<VerifyReport> {
  const checksums = fs.existsSync(path.join(modelsDir, name, 'checksums.json')) ? await verifyModel(modelsDir, name) : null;
  let selfCheck: SelfCheckReport | null = null;
  let error: string | null = null;
  const encoder = (() => {
    try {
      return new Encoder(loadModelInfo(modelsDir, name), os.availableParallelism());
    } catch (err) {
      error = (err as Error).message;
      return null;
    }
  })();
  if (encoder) {
    try {
      selfCheck = await encoder.selfCheck();
    } catch (err) {
      error = (err as Error).message;
    } finally {
      await encoder.close();
    }
  }
  return { name, ok: (checksums?.ok ?? true) && !error && Boolean(selfCheck?.ok), checksums, self_check: selfCheck, error };
}

export function formatVerifyReport(r: VerifyReport): string {
  const lines = [`${r.name}: ${r.ok ? 'OK' : 'FAILED'}`];
  if (r.checksums) lines.push(`  files: ${r.checksums.ok ? 'every file matches its pin' : r.checksums.problems.join('; ')}`);
  else lines.push('  files: no checksums.json (not installed by models:download): not re-hashed');
  const c = r.self_check;
  if (c) {
    for (const [tower, io] of [['vision', c.vision], ['text', c.text]] as const) {
      lines.push(`  ${tower} inputs:  ${io.inputs}`, `  ${tower} outputs: ${io.outputs}`);
      const extra = 'tokenType' in io ? `, ${io.tokenType} tokens, length ${io.length ?? 'any'}${io.mask ? `, mask ${io.mask.name}` : ''}` : `, ${io.imageSize ?? 'any'} px`;
      lines.push(`  ${tower} uses: ${io.input} → ${io.output} [${io.batch ?? 'batch'}, ${io.dim}] (${io.batch === null ? 'any batch' : `batch fixed at ${io.batch}: one item per run`}${extra})`);
    }
    lines.push(`  tokens of "${c.ids_text}": [${c.ids.join(', ')}]${c.expected_ids ? ` (expected [${c.expected_ids.join(', ')}])` : ''}`);
    lines.push(`  dim ${c.dim}; load ${c.ms.load} ms, one text ${c.ms.text} ms, one image ${c.ms.image} ms`);
    for (const p of c.problems) lines.push(`  problem: ${p}`);
  }
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines.join('\n');
}
