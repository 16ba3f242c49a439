/**
 * AUTOMATIC1111 Stable Diffusion WebUI and everything that writes its infotext: Forge, Forge-neo,
 * Forge-classic, reForge, easy-reforge, SD.Next, Civitai, Fooocus' A1111 mode, ComfyUI save nodes,
 * Krita AI Diffusion. The fork is recognised from the `Version:` / `App:` fields and writer quirks.
 */
import type { GeneratorParser, ParseContext } from './types.js';
import { fail, ok } from './types.js';
import { infotextFields, looksLikeInfotext, parseInfotext } from './infotext.js';
import { structureExtensions } from './a1111-extensions.js';

/** Entries that may hold infotext, most specific first. */
const TEXT_KEYS = ['parameters', 'UserComment', 'Comment', 'trailing', 'infotext', 'Description', 'ImageDescription'];

export function forkFromVersion(version: string | undefined, text: string): string {
  if (/(?:^|[,\n])\s*App:\s*SD\.Next/.test(text)) return 'sdnext';
  if (version) {
    if (/^v\d/.test(version)) return 'a1111';
    if (version === 'classic' || version.startsWith('classic')) return 'forge-classic';
    if (/^neo/i.test(version)) return 'forge-neo';
    if (/^f\d+\.\d+(\.\d+)?-v/.test(version)) return 'easy-reforge';
    if (/^f\d+\.\d+(\.\d+)?v\d+-v/.test(version)) return 'reforge';
    if (/^f\d/.test(version)) return 'forge';
    if (version === 'ComfyUI') return 'comfyui';
    if (version.startsWith('Fooocus')) return 'fooocus';
  }
  // Krita AI Diffusion (ai_diffusion/text.py create_img_metadata) writes no version, a placeholder
  // hash and its own `Mode:` (Generate, Refine, Inpaint (Fill)…).
  if (/(?:^|, )Model hash: unknown(?:,|$)/m.test(text) && /(?:^|, )Mode: [A-Z]/m.test(text)) return 'krita-ai-diffusion';
  if (text.includes('Civitai resources:') || text.includes('Civitai metadata:')) return 'civitai';
  return 'a1111';
}

function infotextEntry(ctx: ParseContext) {
  for (const key of TEXT_KEYS) {
    const entry = ctx.entries.entry(key);
    if (entry && !entry.text.trimStart().startsWith('{') && looksLikeInfotext(entry.text)) return entry;
  }
  return undefined;
}

export const a1111Parser: GeneratorParser = {
  id: 'a1111',
  detect: (ctx) => infotextEntry(ctx) !== undefined,
  parse(ctx) {
    const entry = infotextEntry(ctx);
    if (!entry) return fail('no A1111 infotext');
    const info = parseInfotext(entry.text);
    const version = info.params.get('Version');
    const fields = infotextFields(info, forkFromVersion(version, entry.text), `${entry.carrier} ${entry.key}`);
    for (const k of ['Civitai resources', 'Civitai metadata']) {
      const v = fields.extra?.[k];
      if (typeof v === 'string' && v.startsWith('[')) {
        try {
          fields.extra![k] = JSON.parse(v);
        } catch {
          // keep the text
        }
      }
    }
    if (fields.extra) structureExtensions(fields.extra);
    return ok(fields);
  },
};
