/**
 * Midjourney / Niji: the prompt with its `--flags` and `Job ID: <uuid>` in the PNG `Description`
 * (or XMP `dc:description`, IPTC `Caption-Abstract`, EXIF ImageDescription on JPEG and WebP
 * downloads), `Author` (or IPTC `By-line`) beside it.
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { toNumber, toSeed } from '../values.js';

const KEYS = ['Description', 'dc:description', 'Caption-Abstract', 'ImageDescription', 'parameters', 'Comment'];
const JOB_ID = /\bJob ID:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

function find(ctx: ParseContext) {
  for (const key of KEYS) {
    const e = ctx.entries.entry(key);
    if (!e) continue;
    const flags = e.text.match(/(?:^|\s)--(v|niji|ar|stylize|chaos|style|sref|cref|q)\b/gi) ?? [];
    if (JOB_ID.test(e.text) || flags.length >= 2 || (flags.length >= 1 && /midjourney/i.test(ctx.entries.text('Software') ?? ctx.entries.text('Author') ?? ''))) return e;
  }
  return null;
}

export const midjourneyParser: GeneratorParser = {
  id: 'midjourney',
  detect: (ctx) => find(ctx) !== null,
  parse(ctx) {
    const e = find(ctx);
    if (!e) return fail('no Midjourney description');
    const where = `${e.carrier} ${e.key}`;
    const text = e.text.trim();
    const job = JOB_ID.exec(text);
    const body = text.replace(JOB_ID, '').trim();
    const firstFlag = body.search(/(?:^|\s)--[a-z]/i);
    const prompt = (firstFlag < 0 ? body : body.slice(0, firstFlag)).trim();
    const flags: Record<string, string | true> = {};
    if (firstFlag >= 0) {
      // "--ar 16:9 --v 6.1 --no text, logos" → { ar: '16:9', v: '6.1', no: 'text, logos' }
      for (const segment of body.slice(firstFlag).split(/(?:^|\s)--(?=[a-z])/i).filter((x) => x.trim())) {
        const [name, ...rest] = segment.trim().split(/\s+/);
        flags[name.toLowerCase()] = rest.length ? rest.join(' ') : true;
      }
    }
    const niji = 'niji' in flags;
    const version = String(flags.v ?? flags.version ?? (niji && flags.niji !== true ? flags.niji : '') ?? '') || null;
    const fields: GenerationFields = { generator: 'midjourney', provenance: { prompt: where } };
    fields.prompt = prompt;
    fields.model = `${niji ? 'Niji' : 'Midjourney'}${version ? ` ${version}` : ''}`;
    fields.provenance.model = `${where} › --${niji ? 'niji' : 'v'}`;
    if (version) fields.generator_version = version;
    if (typeof flags.seed === 'string') {
      fields.seed = toSeed(flags.seed);
      fields.provenance.seed = `${where} › --seed`;
    }
    if (typeof flags.no === 'string') {
      fields.negative_prompt = flags.no;
      fields.provenance.negative_prompt = `${where} › --no`;
    }
    const ar = flags.ar ?? flags.aspect;
    fields.extra = {
      ...(job ? { job_id: job[1] } : {}),
      ...(typeof ar === 'string' ? { aspect_ratio: ar } : {}),
      ...(flags.stylize ?? flags.s ? { stylize: toNumber(flags.stylize ?? flags.s) } : {}),
      ...(flags.chaos ?? flags.c ? { chaos: toNumber(flags.chaos ?? flags.c) } : {}),
      flags,
      ...(ctx.entries.text('Author') ?? ctx.entries.text('By-line') ? { author: ctx.entries.text('Author') ?? ctx.entries.text('By-line') } : {}),
    };
    return ok(fields);
  },
};
