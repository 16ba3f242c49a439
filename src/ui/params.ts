/**
 * Generation parameters as the detail and compare views show them: every field the record holds,
 * grouped (base, hires, refiner / second sampler, ADetailer, ControlNet, LoRAs, extra); the record
 * as A1111 infotext ("Copy all"); the ComfyUI workflow in the raw chunks; a word-level prompt diff.
 * Pure functions over the API's `params` object.
 */

export type Params = Record<string, unknown>;
export interface ParamGroup {
  name: string;
  rows: [label: string, value: string][];
}

const BASE: [string, string][] = [
  ['generator', 'Generator'],
  ['model', 'Model'],
  ['model_hash', 'Model hash'],
  ['sampler', 'Sampler'],
  ['scheduler', 'Scheduler'],
  ['steps', 'Steps'],
  ['cfg', 'CFG'],
  ['seed', 'Seed'],
  ['size', 'Generation size'],
];

/** Extra keys (A1111 infotext names, parser keys) by group; the first matching pattern wins. */
const EXTRA_GROUPS: [string, RegExp][] = [
  ['ADetailer', /^adetailer|^ad[ _]/i],
  ['ControlNet', /controlnet|control_net|^cn[ _]/i],
  ['Refiner / second sampler', /refiner|second|2nd/i],
  // A1111's "Denoising strength" is the hires pass's; ComfyUI's `denoise` is its sampler's (extra).
  ['Hires', /hires|upscal|^denoising strength/i],
];

export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function sizeOf(p: Params): string {
  return p.width && p.height ? `${p.width}×${p.height}` : '';
}

/** The generation size when it differs from the pixel size (a hires or upscaled file), else null. */
export function generationSizeIfDifferent(p: Params | null, width: number | null, height: number | null): string | null {
  if (!p?.width || !p.height || !width || !height) return null;
  return p.width === width && p.height === height ? null : `${p.width}×${p.height}`;
}

export function groupParams(p: Params | null): ParamGroup[] {
  if (!p) return [];
  const groups = new Map<string, [string, string][]>();
  const add = (group: string, label: string, value: string) => {
    if (!value) return;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push([label, value]);
  };
  for (const [key, label] of BASE) add('Base', label, key === 'size' ? sizeOf(p) : text(p[key]));
  const stages = Array.isArray(p.samplers) ? (p.samplers as Params[]) : [];
  stages.forEach((s, i) => {
    if (i === 0 && stages.length === 1) return; // the one sampler is the base row already
    const parts = [s.sampler, s.scheduler, s.steps != null ? `${s.steps} steps` : null, s.cfg != null ? `cfg ${s.cfg}` : null, s.denoise != null ? `denoise ${s.denoise}` : null, s.seed != null ? `seed ${s.seed}` : null, s.model]
      .filter((x) => x !== null && x !== undefined && x !== '')
      .join(', ');
    add(i === 0 ? 'Base' : 'Refiner / second sampler', `${i === 0 ? 'First' : `Sampler ${i + 1}`} (${text(s.class_type)} #${text(s.node)})`, parts);
  });
  const loras = Array.isArray(p.loras) ? (p.loras as { name?: string; weight?: number | null }[]) : [];
  for (const l of loras) add('LoRAs', String(l.name), l.weight !== null && l.weight !== undefined ? String(l.weight) : '—');
  // The parsers keep both the infotext's own keys and a structured copy (`hires`, `adetailer`…):
  // the structured one is shown only where its group has nothing else (ComfyUI, other tools).
  const structured: [string, string, string][] = [];
  for (const [key, value] of Object.entries((p.extra as Params | undefined) ?? {})) {
    const group = EXTRA_GROUPS.find(([, re]) => re.test(key))?.[0] ?? 'Extra';
    if (value !== null && typeof value === 'object' && group !== 'Extra') structured.push([group, key, text(value)]);
    else add(group, key, text(value));
  }
  for (const [group, key, value] of structured) if (!groups.has(group)) add(group, key, value);
  for (const key of ['c2pa_claim_generator', 'digital_source_type', 'date_time_original']) add('Extra', key, text(p[key]));
  // Media facts only for animations and videos (a still's "image, 1 frame" says nothing).
  if (p.media_type && p.media_type !== 'image') for (const key of ['media_type', 'duration_s', 'frame_count', 'fps', 'video_codec']) add('Extra', key, text(p[key]));
  const order = ['Base', 'Hires', 'Refiner / second sampler', 'ADetailer', 'ControlNet', 'LoRAs', 'Extra'];
  return order.filter((g) => groups.has(g)).map((name) => ({ name, rows: groups.get(name)! }));
}

/** The record as A1111 infotext (prompt, `Negative prompt:`, one line of `Key: value` pairs). */
export function infotext(p: Params | null, prompt: string | null): string {
  if (!p) return prompt ?? '';
  const fields: [string, unknown][] = [
    ['Steps', p.steps],
    ['Sampler', p.sampler],
    ['Schedule type', p.scheduler],
    ['CFG scale', p.cfg],
    ['Seed', p.seed],
    ['Size', p.width && p.height ? `${p.width}x${p.height}` : null],
    ['Model hash', p.model_hash],
    ['Model', p.model],
  ];
  for (const [key, value] of Object.entries((p.extra as Params | undefined) ?? {})) fields.push([key, value]);
  const loras = Array.isArray(p.loras) ? (p.loras as { name?: string; weight?: number | null }[]) : [];
  const quote = (v: string) => (/[,:"]/.test(v) ? JSON.stringify(v) : v);
  const line = fields
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${quote(text(v))}`)
    .join(', ');
  const loraTags = loras.filter((l) => l.name && !(prompt ?? '').includes(`<lora:${l.name}`)).map((l) => `<lora:${l.name}:${l.weight ?? 1}>`);
  const promptLine = [prompt ?? text(p.prompt), ...loraTags].filter(Boolean).join(' ');
  const negative = text(p.negative_prompt);
  return [promptLine, negative ? `Negative prompt: ${negative}` : '', line].filter(Boolean).join('\n');
}

/** The ComfyUI graph in the raw chunks: the API prompt when present (it runs as is), else the UI workflow. */
export function workflowOf(raw: Record<string, unknown>): { kind: 'prompt' | 'workflow'; json: string } | null {
  for (const kind of ['prompt', 'workflow'] as const) {
    const value = raw[kind];
    if (value === undefined || value === null) continue;
    try {
      const parsed = typeof value === 'string' ? JSON.parse(value) : value;
      if (parsed && typeof parsed === 'object') return { kind, json: JSON.stringify(parsed, null, 2) };
    } catch {
      // an A1111 "prompt"-named chunk that is not JSON: not a workflow
    }
  }
  return null;
}

export type DiffPart = { word: string; op: 'same' | 'added' | 'removed' };

/** Word-level diff of two prompts (longest common subsequence over words, separators kept with words). */
export function wordDiff(a: string, b: string): DiffPart[] {
  const split = (s: string) => s.match(/\S+\s*/g) ?? [];
  const x = split(a);
  const y = split(b);
  const key = (w: string) => w.trim().replace(/,$/, '').toLowerCase();
  // Prompts are short (hundreds of words): the quadratic table is fine.
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = key(x[i]) === key(y[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffPart[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (key(x[i]) === key(y[j])) {
      out.push({ word: y[j], op: 'same' });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ word: x[i++], op: 'removed' });
    else out.push({ word: y[j++], op: 'added' });
  }
  while (i < x.length) out.push({ word: x[i++], op: 'removed' });
  while (j < y.length) out.push({ word: y[j++], op: 'added' });
  return out;
}

/** Every field of the compared records, with whether its values differ. */
export function compareFields(records: (Params | null)[]): { label: string; values: string[]; differs: boolean }[] {
  const labels: string[] = [];
  const perRecord = records.map((p) => {
    const map = new Map<string, string>();
    for (const g of groupParams(p)) for (const [label, value] of g.rows) map.set(`${g.name}: ${label}`, value);
    map.set('Negative prompt', text(p?.negative_prompt));
    for (const k of map.keys()) if (!labels.includes(k)) labels.push(k);
    return map;
  });
  return labels.map((label) => {
    const values = perRecord.map((m) => m.get(label) ?? '');
    return { label, values, differs: values.some((v) => v !== values[0]) };
  });
}
