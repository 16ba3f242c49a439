/**
 * Draw Things (iOS/macOS): XMP with `xmp:CreatorTool = Draw Things`, the settings as JSON in
 * `exif:UserComment` (c = prompt, uc = negative, scale = CFG…) and A1111-like text in `dc:description`.
 */
import type { GenerationFields } from '../types.js';
import type { GeneratorParser } from './types.js';
import { fail, ok } from './types.js';
import { fieldsFromJson, fillMissing, leftovers, type FieldPaths } from './json-fields.js';
import { infotextFields, parseInfotext } from './infotext.js';
import { isRecord, toNumber } from '../values.js';

const PATHS: FieldPaths = {
  prompt: ['c'],
  negative_prompt: ['uc'],
  seed: ['seed'],
  steps: ['steps'],
  cfg: ['scale'],
  sampler: ['sampler'],
  model: ['model'],
  size: ['size'],
};

export const drawthingsParser: GeneratorParser = {
  id: 'drawthings',
  detect: (ctx) => /^Draw Things/i.test(ctx.entries.text('xmp:CreatorTool') ?? ctx.entries.text('Software') ?? ''),
  parse(ctx) {
    const comment = ctx.entries.entry('exif:UserComment');
    const json = comment ? ctx.entries.jsonOf(comment) : null;
    let fields: GenerationFields = { generator: 'drawthings', provenance: {} };
    if (isRecord(json)) {
      fields = fieldsFromJson('drawthings', json, PATHS, `${comment!.carrier}`);
      if (Array.isArray(json.lora)) {
        fields.loras = json.lora.filter(isRecord).map((l) => ({ name: String(l.model ?? l.file ?? 'lora'), weight: toNumber(l.weight) }));
        fields.provenance.loras = `${comment!.carrier} › lora`;
      }
      fields.extra = leftovers(json, PATHS, ['lora']);
    }
    const description = ctx.entries.entry('dc:description');
    if (description) {
      const text = infotextFields(parseInfotext(description.text), 'drawthings', `${description.carrier}`);
      fillMissing(fields, text);
    }
    if (!fields.prompt && !isRecord(json)) return fail('Draw Things XMP without settings');
    const version = ctx.entries.text('xmp:CreatorTool')?.replace(/^Draw Things\s*/i, '');
    if (version) fields.generator_version = version;
    return ok(fields);
  },
};
