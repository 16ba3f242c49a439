/**
 * kohya-ss sd-scripts training samples: the prompt line as written in the sample-prompts file,
 * options inline: `--n negative --w 512 --h 768 --d seed --l cfg --s steps --ss sampler`.
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { toInt, toNumber, toSeed } from '../values.js';

const KEYS = ['parameters', 'UserComment', 'Description', 'Comment', 'prompt'];
const OPTION = /\s--(n|w|h|d|l|s|ss|cn|am|f)\s+((?:(?!\s--[a-z]{1,2}\s).)*)/gi;

function find(ctx: ParseContext) {
  for (const key of KEYS) {
    const e = ctx.entries.entry(key);
    if (e && !e.text.trimStart().startsWith('{') && /\s--(w|h|d|l|s)\s+\d/.test(e.text) && /\s--[nwhdls]\s/.test(e.text)) return e;
  }
  return null;
}

export const kohyaParser: GeneratorParser = {
  id: 'kohya',
  detect: (ctx) => find(ctx) !== null,
  parse(ctx) {
    const e = find(ctx);
    if (!e) return fail('no sd-scripts sample prompt');
    const where = `${e.carrier} ${e.key}`;
    const text = ` ${e.text.trim()}`;
    const first = text.search(/\s--[a-z]{1,2}\s/i);
    const fields: GenerationFields = { generator: 'kohya', provenance: { prompt: where }, prompt: text.slice(0, first).trim() };
    const set = (field: keyof GenerationFields, value: unknown, flag: string) => {
      if (value === null || value === undefined || value === '') return;
      (fields as unknown as Record<string, unknown>)[field] = value;
      fields.provenance[field] = `${where} › --${flag}`;
    };
    for (const m of text.slice(first).matchAll(OPTION)) {
      const v = m[2].trim();
      switch (m[1].toLowerCase()) {
        case 'n':
          set('negative_prompt', v, 'n');
          break;
        case 'w':
          set('width', toInt(v), 'w');
          break;
        case 'h':
          set('height', toInt(v), 'h');
          break;
        case 'd':
          set('seed', toSeed(v), 'd');
          break;
        case 'l':
          set('cfg', toNumber(v), 'l');
          break;
        case 's':
          set('steps', toInt(v), 's');
          break;
        case 'ss':
          set('sampler', v, 'ss');
          break;
      }
    }
    return ok(fields);
  },
};
