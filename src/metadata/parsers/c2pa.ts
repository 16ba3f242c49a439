/**
 * C2PA provenance (ChatGPT/DALL·E, Gemini, Microsoft Designer, Firefly…): the manifest store's
 * active manifest gives the claim generator; the `c2pa.created` action (in it or in an ingredient
 * manifest) gives the IPTC digital source type, from which `ai_generated` follows.
 * Signatures are not verified here: this reports what the file claims.
 */
import type * as Cborg from 'cborg';
import type { C2paBlob, GenerationFields } from '../types.js';
import { parseJumbf, type JumbfBox } from '../readers/jumbf.js';
import { isRecord } from '../values.js';

const AI_SOURCE_TYPES = ['trainedAlgorithmicMedia', 'compositeWithTrainedAlgorithmicMedia'];
const CBOR_OPTIONS = {
  strict: false,
  allowUndefined: true,
  allowIndefinite: true,
  allowBigInt: true,
  rejectDuplicateMapKeys: false,
  useMaps: false,
  // Pass tagged values through: C2PA uses a few tags (dates, URIs) whose wrapper we do not need.
  tags: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [i, (d: () => unknown) => d()])),
};

/** C2PA claims nest a few levels; cborg's decoder recurses once per level. */
const MAX_CBOR_DEPTH = 64;

/** True when a CBOR item nests deeper than the limit, found by walking its tokens (no recursion). */
function cborTooDeep(cbor: typeof Cborg, bytes: Uint8Array): boolean {
  const tokens = new cbor.Tokenizer(bytes, CBOR_OPTIONS as ConstructorParameters<typeof Cborg.Tokenizer>[1]);
  const open: number[] = []; // items still expected by each open array / map / tag
  const settle = () => {
    while (open.length && open[open.length - 1] === 0) open.pop();
  };
  while (!tokens.done()) {
    const token = tokens.next();
    if (token.type === cbor.Type.break) {
      open.pop();
      settle();
      continue;
    }
    if (open.length) open[open.length - 1]--;
    const items = token.type === cbor.Type.array ? token.value : token.type === cbor.Type.map ? token.value * 2 : token.type === cbor.Type.tag ? 1 : 0;
    if (items > 0) {
      open.push(items);
      if (open.length > MAX_CBOR_DEPTH) return true;
    } else settle();
    if (open.length === 0) return false;
  }
  return false;
}

let cborg: typeof Cborg | null = null;

/** The CBOR decoder is loaded only once a file carries a C2PA manifest (start-up of `vv meta`). */
export async function loadC2paDecoder(): Promise<void> {
  cborg ??= await import('cborg');
}

function cborOf(box: JumbfBox): Record<string, unknown> | null {
  const content = box.content.find((c) => c.type === 'cbor');
  if (!content) return null;
  const cbor = cborg;
  if (!cbor) throw new Error('CBOR decoder not loaded (loadC2paDecoder)');
  try {
    if (cborTooDeep(cbor, content.bytes)) return null;
    const value = cbor.decode(content.bytes, CBOR_OPTIONS as Parameters<typeof cbor.decode>[1]);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

interface Manifest {
  label: string;
  claim: Record<string, unknown> | null;
  actions: Record<string, unknown>[];
}

function manifestsOf(blobs: C2paBlob[]): Manifest[] {
  const out: Manifest[] = [];
  for (const blob of blobs) {
    for (const store of parseJumbf(blob.bytes)) {
      if (store.label !== 'c2pa') continue;
      for (const m of store.children) {
        const claimBox = m.children.find((c) => c.label?.startsWith('c2pa.claim'));
        const assertions = m.children.find((c) => c.label === 'c2pa.assertions');
        const actions: Record<string, unknown>[] = [];
        for (const a of assertions?.children ?? []) {
          if (!a.label?.startsWith('c2pa.actions')) continue;
          const list = cborOf(a)?.actions;
          if (Array.isArray(list)) actions.push(...list.filter(isRecord));
        }
        out.push({ label: m.label ?? '', claim: claimBox ? cborOf(claimBox) : null, actions });
      }
    }
  }
  return out;
}

function claimGenerator(claim: Record<string, unknown> | null): { name: string | null; version: string | null } {
  if (!claim) return { name: null, version: null };
  const info = claim.claim_generator_info;
  if (typeof claim.claim_generator === 'string') {
    const first = Array.isArray(info) && isRecord(info[0]) ? info[0] : null;
    return { name: claim.claim_generator, version: typeof first?.version === 'string' ? first.version : null };
  }
  const entry = Array.isArray(info) ? info.find(isRecord) : isRecord(info) ? info : null;
  return { name: typeof entry?.name === 'string' ? entry.name : null, version: typeof entry?.version === 'string' ? entry.version : null };
}

export function c2paVendor(generator: string | null): string | null {
  if (!generator) return null;
  if (/openai|chatgpt|dall/i.test(generator)) return 'openai';
  if (/google|gemini|imagen/i.test(generator)) return 'google';
  if (/microsoft|bing|designer/i.test(generator)) return 'microsoft';
  if (/adobe|firefly|photoshop/i.test(generator)) return 'adobe';
  return generator.split(/[\s/_]/)[0].toLowerCase() || null;
}

/** C2PA fields of a container, or null when it carries no readable manifest. */
export function readC2pa(blobs: C2paBlob[]): GenerationFields | null {
  if (blobs.length === 0) return null;
  const manifests = manifestsOf(blobs);
  if (manifests.length === 0) return null;
  const active = manifests[manifests.length - 1];
  const where = `${blobs[0].carrier} c2pa manifest ${active.label}`;
  const fields: GenerationFields = { generator: 'c2pa', provenance: {} };
  const { name, version } = claimGenerator(active.claim);
  if (name) {
    fields.c2pa_claim_generator = name;
    fields.provenance.c2pa_claim_generator = `${where} › claim`;
  }
  if (version) fields.generator_version = version;
  // The creation action may sit in an ingredient's manifest (later edits add manifests on top).
  let sourceType: string | null = null;
  let sourceWhere = '';
  for (const m of [...manifests].reverse()) {
    const created = m.actions.find((a) => a.action === 'c2pa.created' && typeof a.digitalSourceType === 'string');
    if (created) {
      sourceType = created.digitalSourceType as string;
      sourceWhere = `${blobs[0].carrier} c2pa manifest ${m.label} › c2pa.created`;
      break;
    }
  }
  if (!sourceType) {
    const any = active.actions.find((a) => typeof a.digitalSourceType === 'string');
    if (any) {
      sourceType = any.digitalSourceType as string;
      sourceWhere = `${where} › ${String(any.action)}`;
    }
  }
  if (sourceType) {
    fields.digital_source_type = sourceType;
    fields.provenance.digital_source_type = sourceWhere;
    fields.ai_generated = AI_SOURCE_TYPES.some((t) => sourceType!.endsWith(`/${t}`) || sourceType === t);
    fields.provenance.ai_generated = sourceWhere;
  }
  const agent = active.actions.map((a) => a.softwareAgent).find((s) => typeof s === 'string' || isRecord(s));
  fields.extra = {
    c2pa_vendor: c2paVendor(name),
    c2pa_manifests: manifests.length,
    c2pa_actions: manifests.flatMap((m) => m.actions.map((a) => a.action)).filter((a) => typeof a === 'string'),
    ...(agent ? { c2pa_software_agent: isRecord(agent) ? agent.name : agent } : {}),
  };
  return fields;
}
