/**
 * Fields that A1111 extensions add to the infotext, gathered into structured `extra` values (the flat
 * keys stay as written). Names as the writers spell them:
 *  - ADetailer (Bing-su/adetailer args.py): `ADetailer model`, `ADetailer prompt`… one unit per
 *    ordinal suffix (`ADetailer model 2nd`, `… 3rd`), plus `ADetailer version`;
 *  - ControlNet (sd-webui-controlnet): `ControlNet 0: "Module: canny, Model: name [hash], Weight: 1…"`,
 *    and the early per-field layout `ControlNet-0 Module: canny`;
 *  - Regional Prompter: `RP Active`, `RP Divide mode`, `RP Ratios`…;
 *  - Dynamic Prompts: `Template`, `Negative Template`;
 *  - hires fix (`Hires upscale`, `Hires steps`, `Hires upscaler`, `Hires prompt`…, `Denoising strength`)
 *    and the SDXL refiner (`Refiner: name [hash]`, `Refiner switch at`).
 */

/** Infotext values are text: numbers and Python booleans become JSON values. */
function typed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t === 'True') return true;
  if (t === 'False') return false;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

/** `ADetailer mask blur` → `mask_blur`. */
const snake = (label: string) => label.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** `name [hash]` → both parts. */
function nameAndHash(value: string): { name: string; hash?: string } {
  const m = /^(.*?)\s*\[([0-9a-f]{6,})\]$/i.exec(value.trim());
  return m ? { name: m[1], hash: m[2] } : { name: value.trim() };
}

const ORDINAL = /^(.*?)(?: (\d+)(?:st|nd|rd|th))?$/;

function adetailer(extra: Record<string, unknown>): Record<string, unknown> | null {
  const units = new Map<number, Record<string, unknown>>();
  let version: unknown;
  for (const [key, value] of Object.entries(extra)) {
    if (!key.startsWith('ADetailer ')) continue;
    if (key === 'ADetailer version') {
      version = value;
      continue;
    }
    const m = ORDINAL.exec(key.slice('ADetailer '.length))!;
    const index = m[2] ? Number(m[2]) : 1;
    const unit = units.get(index) ?? { unit: index };
    const field = snake(m[1]);
    const v = typed(value);
    if (field === 'model' && typeof v === 'string') Object.assign(unit, { model: nameAndHash(v).name });
    else unit[field] = v;
    units.set(index, unit);
  }
  if (units.size === 0) return null;
  return { ...(version !== undefined ? { version: typed(version) } : {}), units: [...units.keys()].sort((a, b) => a - b).map((k) => units.get(k)!) };
}

/** `Module: canny, Model: x [ab12], Weight: 1` — values may hold commas only inside brackets. */
function controlnetUnit(text: string): Record<string, unknown> {
  const unit: Record<string, unknown> = {};
  let depth = 0;
  let start = 0;
  const parts: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const field = snake(part.slice(0, colon));
    const value = part.slice(colon + 1).trim();
    if (field === 'model') {
      const { name, hash } = nameAndHash(value);
      unit.model = name;
      if (hash) unit.model_hash = hash;
    } else unit[field] = typed(value);
  }
  return unit;
}

function controlnet(extra: Record<string, unknown>): Record<string, unknown>[] | null {
  const units = new Map<number, Record<string, unknown>>();
  for (const [key, value] of Object.entries(extra)) {
    const whole = /^ControlNet(?: (\d+))?$/.exec(key);
    if (whole && typeof value === 'string') {
      const index = whole[1] ? Number(whole[1]) : 0;
      units.set(index, { unit: index, ...controlnetUnit(value.replace(/^"|"$/g, '')) });
      continue;
    }
    const field = /^ControlNet-(\d+) (.+)$/.exec(key);
    if (field) {
      const index = Number(field[1]);
      const unit = units.get(index) ?? { unit: index };
      const name = snake(field[2]);
      if (name === 'model' && typeof value === 'string') {
        const { name: model, hash } = nameAndHash(value);
        unit.model = model;
        if (hash) unit.model_hash = hash;
      } else unit[name] = typed(value);
      units.set(index, unit);
    }
  }
  return units.size ? [...units.keys()].sort((a, b) => a - b).map((k) => units.get(k)!) : null;
}

function prefixed(extra: Record<string, unknown>, prefix: string, also: string[] = []): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (key.startsWith(prefix)) out[snake(key.slice(prefix.length))] = typed(value);
    else if (also.includes(key)) out[snake(key)] = typed(value);
  }
  return Object.keys(out).length ? out : null;
}

/** Adds `adetailer`, `controlnet`, `regional_prompter`, `dynamic_prompts`, `hires`, `refiner` to `extra` when present. */
export function structureExtensions(extra: Record<string, unknown>): void {
  const ad = adetailer(extra);
  if (ad) extra.adetailer = ad;
  const cn = controlnet(extra);
  if (cn) extra.controlnet = cn;
  const rp = prefixed(extra, 'RP ');
  if (rp) extra.regional_prompter = rp;
  if (extra.Template !== undefined || extra['Negative Template'] !== undefined) {
    extra.dynamic_prompts = { template: extra.Template ?? null, negative_template: extra['Negative Template'] ?? null };
  }
  const hires = prefixed(extra, 'Hires ');
  if (hires) {
    if (extra['Denoising strength'] !== undefined) hires.denoising_strength = typed(extra['Denoising strength']);
    extra.hires = hires;
  }
  if (typeof extra.Refiner === 'string') {
    const { name, hash } = nameAndHash(extra.Refiner);
    extra.refiner = { model: name, ...(hash ? { model_hash: hash } : {}), switch_at: typed(extra['Refiner switch at']) ?? null };
  }
}
