/**
 * Tags derived from a metadata record: prompt phrases and extra networks (source `prompt`), and the
 * namespaced `model:`, `sampler:`, `generator:` tags (source `model`).
 */
import type { MetadataRecord } from './metadata/types.js';
import type { DerivedTag } from './store/types.js';
import { extractNetworks, normalizeTag, promptPhrases } from './prompt-syntax.js';

/** Model files are named with folders and extensions; the tag keeps the bare name. */
export function modelTagName(model: string): string {
  const base = model.split(/[\\/]/).pop() ?? model;
  return normalizeTag(base.replace(/\.(safetensors|ckpt|pt|pth|bin|gguf|sft)$/i, ''));
}

const MAX_PROMPT_TAGS = 200;

export function deriveTags(record: MetadataRecord): DerivedTag[] {
  const tags: DerivedTag[] = [];
  const seen = new Set<string>();
  const add = (name: string, source: DerivedTag['source']) => {
    const key = name.toLowerCase();
    if (!name || seen.has(key)) return;
    seen.add(key);
    tags.push({ name, source });
  };
  if (record.prompt) {
    for (const phrase of promptPhrases(record.prompt).slice(0, MAX_PROMPT_TAGS)) add(phrase, 'prompt');
    for (const net of extractNetworks(record.prompt)) {
      const ns = net.kind === 'lyco' ? 'lora' : net.kind;
      add(`${ns}:${modelTagName(net.name)}`, 'prompt');
    }
  }
  for (const lora of record.loras) add(`lora:${modelTagName(lora.name)}`, 'model');
  if (record.model) add(`model:${modelTagName(record.model)}`, 'model');
  if (record.sampler) add(`sampler:${normalizeTag(record.sampler)}`, 'model');
  if (record.generator) add(`generator:${record.generator}`, 'model');
  return tags;
}
