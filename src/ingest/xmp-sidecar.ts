/**
 * XMP sidecars that digiKam, Lightroom and darktable read: tags as `dc:subject` (keywords),
 * `lr:hierarchicalSubject` (`model|juggernaut`, `Categories|trips|2024`) and digiKam's `TagsList`
 * (`model/juggernaut`), the rating as `xmp:Rating`, a favorite as `xmp:Label="Favorite"`.
 * An existing sidecar is edited in place: every other property and namespace is kept. Writes are
 * atomic (temp file + rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { parseXmp } from '../metadata/readers/xmp.js';

export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  digiKam: 'http://www.digikam.org/ns/1.0/',
};
const FAVORITE_LABEL = 'Favorite';
const CATEGORY_ROOT = 'Categories';

export interface SidecarState {
  /** Tag names as stored (`model:juggernaut`, `portfolio`). */
  tags: string[];
  categories: string[];
  rating: number;
  favorite: boolean;
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, trimValues: false, processEntities: true });
const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: ' ', suppressEmptyNode: true, processEntities: true });

function hierarchy(state: SidecarState): string[][] {
  const out: string[][] = [];
  for (const tag of state.tags) {
    const i = tag.indexOf(':');
    out.push(i > 0 ? [tag.slice(0, i), tag.slice(i + 1)] : [tag]);
  }
  for (const c of state.categories) out.push([CATEGORY_ROOT, ...c.split('/')]);
  return out;
}

function textItems(values: string[]): XmlNode[] {
  return values.map((v) => ({ 'rdf:li': [{ '#text': v }] }));
}

/** Whitespace-only text nodes (old indentation) would pile up on each rewrite; the builder re-indents. */
function dropBlankText(nodes: XmlNode[]): XmlNode[] {
  return nodes
    .filter((n) => !(childName(n) === '#text' && String(n['#text']).trim() === ''))
    .map((n) => {
      const name = childName(n);
      if (name && name !== '#text' && Array.isArray(n[name])) n[name] = dropBlankText(n[name] as XmlNode[]);
      return n;
    });
}

function childName(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@');
}

/** The first rdf:Description of a parsed packet, created if the packet has none. */
function description(doc: XmlNode[]): XmlNode {
  const find = (nodes: XmlNode[], name: string) => nodes.find((n) => childName(n) === name);
  let meta = find(doc, 'x:xmpmeta');
  if (!meta) {
    meta = { 'x:xmpmeta': [], ':@': { '@_xmlns:x': NS.x } };
    doc.push(meta);
  }
  const metaChildren = meta['x:xmpmeta'] as XmlNode[];
  let rdf = find(metaChildren, 'rdf:RDF');
  if (!rdf) {
    rdf = { 'rdf:RDF': [], ':@': { '@_xmlns:rdf': NS.rdf } };
    metaChildren.push(rdf);
  }
  const rdfChildren = rdf['rdf:RDF'] as XmlNode[];
  let desc = find(rdfChildren, 'rdf:Description');
  if (!desc) {
    desc = { 'rdf:Description': [], ':@': { '@_rdf:about': '' } };
    rdfChildren.push(desc);
  }
  return desc;
}

/** Builds or updates a sidecar packet with our properties; everything else in it is kept. */
export function buildSidecar(existing: string | null, state: SidecarState): string {
  let doc: XmlNode[] = [];
  if (existing?.trim()) {
    try {
      doc = parser.parse(existing) as XmlNode[];
    } catch {
      doc = []; // unreadable XML is replaced
    }
  }
  doc = dropBlankText(doc.filter((n) => childName(n) !== '?xpacket'));
  const desc = description(doc);
  const attrs = (desc[':@'] ?? {}) as Record<string, string>;
  for (const [prefix, uri] of Object.entries(NS)) if (prefix !== 'x' && prefix !== 'rdf') attrs[`@_xmlns:${prefix}`] = uri;
  const ours = ['dc:subject', 'lr:hierarchicalSubject', 'digiKam:TagsList', 'xmp:Rating'];
  for (const name of ours) delete attrs[`@_${name}`];
  const existingLabel = attrs['@_xmp:Label'];
  if (state.favorite) attrs['@_xmp:Label'] = FAVORITE_LABEL;
  else if (existingLabel === FAVORITE_LABEL) delete attrs['@_xmp:Label'];
  attrs['@_xmp:Rating'] = String(state.rating);
  desc[':@'] = attrs;

  const paths = hierarchy(state);
  const keywords = [...new Set(paths.map((p) => p[p.length - 1]))];
  const children = (desc['rdf:Description'] as XmlNode[]).filter((n) => !ours.includes(childName(n) ?? ''));
  if (keywords.length) children.push({ 'dc:subject': [{ 'rdf:Bag': textItems(keywords) }] });
  if (paths.length) {
    children.push({ 'lr:hierarchicalSubject': [{ 'rdf:Bag': textItems(paths.map((p) => p.join('|'))) }] });
    children.push({ 'digiKam:TagsList': [{ 'rdf:Seq': textItems(paths.map((p) => p.join('/'))) }] });
  }
  desc['rdf:Description'] = children;
  const body = builder.build(doc) as string;
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n${body.trim()}\n<?xpacket end="w"?>\n`;
}

export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Tags and rating a sidecar holds (digiKam, Lightroom, darktable, ours), in our tag names. */
export function readSidecar(xml: string): { tags: string[]; rating: number | null } {
  const props = parseXmp(xml);
  if (!props) return { tags: [], rating: null };
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const tags = new Set<string>();
  const hierarchical = [...list(props['lr:hierarchicalSubject']).map((p) => p.split('|')), ...list(props['digiKam:TagsList']).map((p) => p.split('/'))];
  const covered = new Set<string>();
  for (const parts of hierarchical) {
    const clean = parts.map((p) => p.trim()).filter(Boolean);
    if (!clean.length) continue;
    if (clean[0] === CATEGORY_ROOT) {
      covered.add(clean[clean.length - 1]); // our categories, not tags
      continue;
    }
    tags.add(clean.length > 1 ? `${clean[0]}:${clean.slice(1).join('/')}` : clean[0]);
    covered.add(clean[clean.length - 1]);
  }
  for (const k of list(props['dc:subject'])) if (k.trim() && !covered.has(k.trim())) tags.add(k.trim());
  const rating = Number(props['xmp:Rating']);
  return { tags: [...tags], rating: Number.isFinite(rating) && rating >= 0 && rating <= 5 ? Math.round(rating) : null };
}
