/**
 * Tags derived from a metadata record: prompt phrases and extra networks (source `prompt`), and the
 * namespaced `model:`, `sampler:`, `generator:` tags (source `model`).
 */
import type { MetadataRecord } from '../metadata/types.js';
import type { DerivedTag } from '../core/types.js';
import { airReference, airReferences, extractNetworks, normalizeTag, promptPhrases, type AirReference } from '../metadata/prompt-syntax.js';
import { tagKey } from '../core/tag-names.js';

/** Model files are named with folders and extensions; the tag keeps the bare name. */
export function modelTagName(model: string): string {
  const base = model.split(/[\\/]/).pop() ?? model;
  return normalizeTag(base.replace(/\.(safetensors|ckpt|pt|pth|bin|gguf|sft)$/i, ''));
}

const MAX_PROMPT_TAGS = 200;

/** AIR resource types → the namespace their tag goes in. */
function airNamespace(air: AirReference): string {
  if (/^(lora|lycoris|locon|loha|lokr|dora)$/.test(air.type)) return 'lora';
  if (/^(embedding|textualinversion|ti)$/.test(air.type)) return 'embedding';
  if (/^(hypernet|hypernetwork)$/.test(air.type)) return 'hypernet';
  if (air.type === 'vae') return 'vae';
  return 'model';
}

/** `lora:civitai:model/384756@563234` for an AIR URN, else the namespace and bare file name. */
function resourceTag(ns: string, name: string): string {
  const air = airReference(name);
  return air ? `${ns}:${air.ref}` : `${ns}:${modelTagName(name)}`;
}

export function deriveTags(record: MetadataRecord): DerivedTag[] {
  const tags: DerivedTag[] = [];
  const seen = new Set<string>();
  const add = (name: string, source: DerivedTag['source']) => {
    const key = tagKey(name);
    if (!name || seen.has(key)) return;
    seen.add(key);
    tags.push({ name, source });
  };
  if (record.prompt) {
    for (const phrase of promptPhrases(record.prompt).slice(0, MAX_PROMPT_TAGS)) add(phrase, 'prompt');
    for (const net of extractNetworks(record.prompt).slice(0, MAX_PROMPT_TAGS)) {
      const ns = net.kind === 'lyco' ? 'lora' : net.kind;
      add(resourceTag(ns, net.name), 'prompt');
    }
    for (const air of airReferences(record.prompt).slice(0, MAX_PROMPT_TAGS)) add(`${airNamespace(air)}:${air.ref}`, 'prompt');
  }
  for (const lora of record.loras.slice(0, MAX_PROMPT_TAGS)) add(resourceTag('lora', lora.name), 'model');
  if (record.model) add(resourceTag('model', record.model), 'model');
  if (record.sampler) add(`sampler:${normalizeTag(record.sampler)}`, 'model');
  if (record.generator) add(`generator:${record.generator}`, 'model');
  return tags;
}
