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

const NETWORK = /<\s*(lora|lyco|lycoris|locon|loha|lokr|hypernet|hypernetwork|embedding|ti)\s*:\s*([^:>]+?)\s*(?::\s*(-?[\d.]+)[^>]*)?>/gi;
const COMFY_EMBEDDING = /\bembedding:([^\s,()[\]{}<>:]+)/gi;
/** Tags longer than this (in words or characters) are sentences, not tags. */
const MAX_TAG_WORDS = 8;
const MAX_TAG_CHARS = 80;

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
  text = text.replace(NETWORK, ',').replace(COMFY_EMBEDDING, ',');
  // NovelAI numeric emphasis: `1.2::text::` and a lone `::` closing it.
  text = text.replace(/-?\d*\.?\d+::/g, ',').replace(/::/g, ',');
  // Attention weight / editing step before a closing bracket: `(a:1.2)`, `[a:b:0.5]`, `[a:10]`.
  text = text.replace(/:\s*-?\d*\.?\d+\s*(?=[)\]])/g, '');
  // Remaining separators: editing `[a:b]` (a colon inside square brackets only: `rating:general`
  // outside them is one tag), alternation `[a|b]`, composable `AND`, `BREAK`.
  text = splitEditingColons(text).replace(/\|/g, ',').replace(/\b(?:BREAK|AND)\b/g, ',');
  text = text.replace(/[()[\]{}]/g, ' ');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of text.split(/[,\n\r;]+/)) {
    const tag = normalizeTag(part);
    if (!tag || /^[-\d.\s]+$/.test(tag)) continue;
    if (tag.length > MAX_TAG_CHARS || tag.split(' ').length > MAX_TAG_WORDS) continue;
    if (seen.has(tag)) continue;
    seen.add(tag);
    out.push(tag);
  }
  return out;
}
