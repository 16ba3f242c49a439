/**
 * Prompt syntax → the tags a user thinks in. Understands A1111 attention and editing syntax
 * (`(a:1.2)`, `((a))`, `[a]`, `[a:b:0.5]`, `[a|b]`, `BREAK`, `AND`), extra networks
 * (`<lora:name:0.8>`, `<lyco:…>`, `<hypernet:…>`), ComfyUI `embedding:name`, and NovelAI emphasis
 * (`{a}`, `[a]`, `1.2::a::`). Escaped brackets `\(` stay literal.
 */

export type NetworkKind = 'lora' | 'lyco' | 'hypernet' | 'embedding';

export interface NetworkRef {
  kind: NetworkKind;
  name: string;
  weight: number | null;
}

/** Civitai AIR: `urn:air:{ecosystem}:{type}:{source}:{id}@{version}` (https://developer.civitai.com/docs/getting-started/ai-resource-identifier). */
const AIR_SOURCE = 'urn:air:[\\w.-]+:[\\w.-]+:[\\w.-]+:\\d+(?:@\\d+)?';
const AIR_URN = new RegExp(`\\b${AIR_SOURCE}`, 'gi');
const AIR_PARTS = /^urn:air:([\w.-]+):([\w.-]+):([\w.-]+):(\d+)(?:@(\d+))?$/i;
const NETWORK = new RegExp(`<\\s*(lora|lyco|lycoris|locon|loha|lokr|hypernet|hypernetwork|embedding|ti)\\s*:\\s*(${AIR_SOURCE}|[^:>]+?)\\s*(?::\\s*(-?[\\d.]+)[^>]*)?>`, 'gi');
const COMFY_EMBEDDING = new RegExp(`\\bembedding:(${AIR_SOURCE}|[^\\s,()[\\]{}<>:]+)`, 'gi');
/** Tags longer than this (in words or characters) are sentences, not tags. */
const MAX_TAG_WORDS = 6;
/** In prose (Flux, SD3, DALL·E style prompts) only short, article-free phrases are clearly tags. */
const MAX_PROSE_TAG_WORDS = 3;
const MAX_TAG_CHARS = 80;
/** Words that make a phrase a clause rather than a tag: copulas, pronouns, relative words. */
const CLAUSE_WORDS = new Set(['is', 'are', 'was', 'were', 'am', 'be', 'been', 'being', 'has', 'have', 'had', 'he', 'she', 'they', 'we', 'you', 'i', 'it', "it's", 'its', 'his', 'their', 'which', 'who', 'whom', 'whose', 'where', 'there', 'this', 'these', 'those', 'that', 'if', 'because', 'will', 'would', 'should', 'can', 'could']);
const ARTICLES = new Set(['a', 'an', 'the']);
/** A sentence boundary (`… night. She …`): the prompt is prose. */
const SENTENCE_BREAK = /[\p{Ll}\d)][.!?]\s+\p{L}/u;

export interface AirReference {
  /** The resource type as the URN names it: checkpoint, lora, embedding, vae… */
  type: string;
  /** `civitai:model/<id>@<version>` */
  ref: string;
}

/** A Civitai AIR URN as a model reference; null when the text is not one. */
export function airReference(text: string): AirReference | null {
  const m = AIR_PARTS.exec(text.trim());
  if (!m) return null;
  return { type: m[2].toLowerCase(), ref: `${m[3].toLowerCase()}:model/${m[4]}${m[5] ? `@${m[5]}` : ''}` };
}

/** Every AIR URN written anywhere in a text. */
export function airReferences(text: string): AirReference[] {
  const out: AirReference[] = [];
  for (const m of text.matchAll(AIR_URN)) {
    const ref = airReference(m[0]);
    if (ref) out.push(ref);
  }
  return out;
}

const ESCAPES: Record<string, string> = { '(': '\uE000', ')': '\uE001', '[': '\uE002', ']': '\uE003', '{': '\uE004', '}': '\uE005', ':': '\uE006' };
const UNESCAPES = Object.fromEntries(Object.entries(ESCAPES).map(([k, v]) => [v, k]));

function kindOf(word: string): NetworkKind {
  const w = word.toLowerCase();
  if (w === 'hypernet' || w === 'hypernetwork') return 'hypernet';
  if (w === 'embedding' || w === 'ti') return 'embedding';
  if (w === 'lora') return 'lora';
  return 'lyco';
}

export function extractNetworks(prompt: string): NetworkRef[] {
  const out: NetworkRef[] = [];
  for (const m of prompt.matchAll(NETWORK)) {
    const weight = m[3] !== undefined ? Number(m[3]) : null;
    out.push({ kind: kindOf(m[1]), name: m[2].trim(), weight: weight !== null && Number.isFinite(weight) ? weight : null });
  }
  for (const m of prompt.matchAll(COMFY_EMBEDDING)) {
    out.push({ kind: 'embedding', name: m[1].replace(/\.(pt|safetensors|bin)$/i, ''), weight: null });
  }
  return out;
}

export function normalizeTag(text: string): string {
  return text
    .replace(/[\uE000-\uE006]/g, (c) => UNESCAPES[c] ?? c)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .toLowerCase();
}

function splitEditingColons(text: string): string {
  let depth = 0;
  let out = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    out += ch === ':' && depth > 0 ? ',' : ch;
  }
  return out;
}

/** Plain phrases of a prompt, without weights, brackets or networks, in order, de-duplicated. */
export function promptPhrases(prompt: string): string[] {
  if (!prompt) return [];
  let text = prompt.slice(0, 64 * 1024);
  text = text.replace(/\\([()[\]{}:])/g, (_, c: string) => ESCAPES[c]);
  text = text.replace(NETWORK, ',').replace(COMFY_EMBEDDING, ',').replace(AIR_URN, ',');
  const prose = SENTENCE_BREAK.test(text);
  // NovelAI numeric emphasis: `1.2::text::` and a lone `::` closing it.
  text = text.replace(/-?\d*\.?\d+::/g, ',').replace(/::/g, ',');
  // Attention weight / editing step before a closing bracket: `(a:1.2)`, `[a:b:0.5]`, `[a:10]`.
  text = text.replace(/:\s*-?\d*\.?\d+\s*(?=[)\]])/g, '');
  // Remaining separators: editing `[a:b]` (a colon inside square brackets only: `rating:general`
  // outside them is one tag), alternation `[a|b]`, composable `AND`, `BREAK`, Regional Prompter's `ADDCOL`/`ADDROW`/`ADDBASE`/`ADDCOMM`.
  text = splitEditingColons(text).replace(/\|/g, ',').replace(/\b(?:BREAK|AND|ADDCOL|ADDROW|ADDBASE|ADDCOMM)\b/g, ',');
  text = text.replace(/[()[\]{}]/g, ' ');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of text.split(/[,\n\r;]+|[.!?]+(?=\s|$)/)) {
    const tag = normalizeTag(part);
    if (!isTagLike(tag, prose)) continue;
    if (seen.has(tag)) continue;
    seen.add(tag);
    out.push(tag);
  }
  return out;
}

/** Tag-style phrase (`red hair`, `looking at viewer`, `rating:general`), not a clause, a fragment or punctuation. */
function isTagLike(tag: string, prose: boolean): boolean {
  if (tag.length < 2 || tag.length > MAX_TAG_CHARS || /^[-\d.\s]+$/.test(tag)) return false;
  if (!/\p{L}/u.test(tag) || /["“”„]/.test(tag) || /^[:@/_-]|[:@/]$/.test(tag)) return false;
  const words = tag.split(' ');
  if (words.length > (prose ? MAX_PROSE_TAG_WORDS : MAX_TAG_WORDS)) return false;
  for (const w of words) {
    if (CLAUSE_WORDS.has(w)) return false;
    if (prose && ARTICLES.has(w)) return false;
  }
  return true;
}
