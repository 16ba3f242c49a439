/**
 * XMP sidecars that digiKam, Lightroom and darktable read. One mapping for both hierarchies: a tag's
 * levels are its namespace and then each `/` (or `|`) part — `character:miku` and `character/miku`
 * are both character → miku, written `character|miku` in Lightroom's `lr:hierarchicalSubject` and
 * `character/miku` in digiKam's `TagsList`, with the leaf (`miku`) as the `dc:subject` keyword;
 * categories sit under `Categories`. The rating is `xmp:Rating` 1–5 (none when unrated); a favorite
 * is a colour label (`xmp:Label`, which both apps read) or digiKam's pick flag, as configured.
 * An existing sidecar is edited in place: every other property and namespace is kept. Writes are
 * atomic (temp file + rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { parseXmp } from '../metadata/readers/xmp.js';
import { DEFAULT_FAVORITE_MARK, type FavoriteMark } from '../core/xmp-marks.js';

export { DEFAULT_FAVORITE_MARK, type FavoriteMark };

export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  digiKam: 'http://www.digikam.org/ns/1.0/',
};
/** What older versions wrote for a favorite: still read, and replaced on the next write. */
const LEGACY_FAVORITE_LABEL = 'Favorite';
const CATEGORY_ROOT = 'Categories';
/** digiKam's `PickLabel`: 0 none, 1 rejected, 2 pending, 3 accepted. */
const PICK_ACCEPTED = '3';
/** Lightroom's reject, kept when another app wrote it (the vault has no reject flag). */
const REJECTED_RATING = '-1';


function labelOf(mark: FavoriteMark): string | null {
  return mark === 'pick' ? null : mark[0].toUpperCase() + mark.slice(1);
}

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

/** A tag's hierarchy levels: its namespace (before the first `:`), then each `/` or `|` part. */
export function tagLevels(tag: string): string[] {
  const i = tag.indexOf(':');
  const parts = i > 0 ? [tag.slice(0, i), ...tag.slice(i + 1).split(/[/|]/)] : tag.split(/[/|]/);
  const levels = parts.map((p) => p.trim()).filter(Boolean);
  return levels.length ? levels : [tag];
}

/** The vault tag a hierarchy path names: `[character, miku]` → `character:miku`, deeper levels joined by `/`. */
function tagOfLevels(levels: string[]): string {
  return levels.length > 1 ? `${levels[0]}:${levels.slice(1).join('/')}` : levels[0];
}

function hierarchy(state: SidecarState): string[][] {
  const out: string[][] = state.tags.map(tagLevels);
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
export function buildSidecar(existing: string | null, state: SidecarState, favoriteMark: FavoriteMark = DEFAULT_FAVORITE_MARK): string {
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
  const ours = ['dc:subject', 'lr:hierarchicalSubject', 'digiKam:TagsList'];
  // exiftool writes one rdf:Description per namespace: what the others hold of ours moves here.
  for (const other of otherDescriptions(doc, desc)) {
    const otherAttrs = (other[':@'] ?? {}) as Record<string, string>;
    liftSimpleElements(other, otherAttrs);
    for (const name of SIMPLE_PROPERTIES) {
      if (otherAttrs[`@_${name}`] !== undefined && attrs[`@_${name}`] === undefined) attrs[`@_${name}`] = otherAttrs[`@_${name}`];
      delete otherAttrs[`@_${name}`];
    }
    other['rdf:Description'] = (other['rdf:Description'] as XmlNode[]).filter((n) => !ours.includes(childName(n) ?? ''));
  }
  liftSimpleElements(desc, attrs);
  const existingRating = attrs['@_xmp:Rating'];
  for (const name of [...ours, 'xmp:Rating']) delete attrs[`@_${name}`];
  if (state.rating >= 1 && state.rating <= 5) attrs['@_xmp:Rating'] = String(state.rating);
  else if (existingRating === REJECTED_RATING) attrs['@_xmp:Rating'] = REJECTED_RATING;
  markFavorite(attrs, state.favorite, favoriteMark);
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

/**
 * Sets or clears the favorite mark; a label or pick another app set for other reasons is left
 * alone. Both are re-added after the rating, so a rewrite of an unchanged sidecar is byte-identical.
 */
function markFavorite(attrs: Record<string, string>, favorite: boolean, mark: FavoriteMark): void {
  const label = labelOf(mark);
  let existingLabel: string | undefined = attrs['@_xmp:Label'];
  let existingPick: string | undefined = attrs['@_digiKam:PickLabel'];
  delete attrs['@_xmp:Label'];
  delete attrs['@_digiKam:PickLabel'];
  if (existingLabel === LEGACY_FAVORITE_LABEL || (label && existingLabel === label)) existingLabel = undefined;
  if (mark === 'pick' && existingPick === PICK_ACCEPTED) existingPick = undefined;
  const newLabel = favorite && label ? label : existingLabel;
  const newPick = favorite && !label ? PICK_ACCEPTED : existingPick;
  if (newLabel !== undefined) attrs['@_xmp:Label'] = newLabel;
  if (newPick !== undefined) attrs['@_digiKam:PickLabel'] = newPick;
}

const SIMPLE_PROPERTIES = ['xmp:Rating', 'xmp:Label', 'digiKam:PickLabel'];

function otherDescriptions(doc: XmlNode[], first: XmlNode): XmlNode[] {
  const meta = doc.find((n) => childName(n) === 'x:xmpmeta')?.['x:xmpmeta'] as XmlNode[] | undefined;
  const rdf = meta?.find((n) => childName(n) === 'rdf:RDF')?.['rdf:RDF'] as XmlNode[] | undefined;
  return (rdf ?? []).filter((n) => childName(n) === 'rdf:Description' && n !== first);
}

/** Simple properties another tool wrote as elements (exiftool does) become attributes, decided like ours. */
function liftSimpleElements(desc: XmlNode, attrs: Record<string, string>): void {
  desc['rdf:Description'] = (desc['rdf:Description'] as XmlNode[]).filter((n) => {
    const name = childName(n) ?? '';
    if (!SIMPLE_PROPERTIES.includes(name)) return true;
    const text = ((n[name] as XmlNode[])[0]?.['#text'] as string | undefined)?.trim();
    if (text && attrs[`@_${name}`] === undefined) attrs[`@_${name}`] = text;
    return false;
  });
}

export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** What a sidecar says, in the vault's terms. */
export interface SidecarContent {
  tags: string[];
  /** 1–5, or null: none, 0, or Lightroom's reject (−1; the vault has no reject flag). */
  rating: number | null;
  /** The configured favorite mark, or the `Favorite` label older versions wrote. */
  favorite: boolean;
  categories: string[];
  /** `xmp:Rating="-1"` or digiKam's rejected pick. */
  rejected: boolean;
}

/** Tags, rating, favorite and categories a sidecar holds (digiKam, Lightroom, darktable, ours), in our names. */
export function readSidecar(xml: string, favoriteMark: FavoriteMark = DEFAULT_FAVORITE_MARK): SidecarContent {
  const props = parseXmp(xml);
  if (!props) return { tags: [], rating: null, favorite: false, categories: [], rejected: false };
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim();
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const tags = new Set<string>();
  const categories = new Set<string>();
  const hierarchical = [...list(props['lr:hierarchicalSubject']).map((p) => p.split('|')), ...list(props['digiKam:TagsList']).map((p) => p.split('/'))];
  const covered = new Set<string>();
  for (const parts of hierarchical) {
    const clean = parts.map((p) => p.trim()).filter(Boolean);
    if (!clean.length) continue;
    covered.add(clean[clean.length - 1]);
    if (clean[0] === CATEGORY_ROOT) {
      if (clean.length > 1) categories.add(clean.slice(1).join('/'));
      continue;
    }
    tags.add(tagOfLevels(clean));
  }
  for (const k of list(props['dc:subject'])) if (k.trim() && !covered.has(k.trim())) tags.add(k.trim());
  const rawRating = one(props['xmp:Rating']);
  const rating = Number(rawRating);
  const label = one(props['xmp:Label']);
  const pick = one(props['digiKam:PickLabel']);
  const wanted = labelOf(favoriteMark);
  const favorite =
    label === LEGACY_FAVORITE_LABEL || (wanted !== null && label?.toLowerCase() === wanted.toLowerCase()) || (favoriteMark === 'pick' && pick === PICK_ACCEPTED);
  return {
    tags: [...tags],
    rating: rawRating !== undefined && rawRating !== '' && Number.isFinite(rating) && rating >= 1 && rating <= 5 ? Math.round(rating) : null,
    favorite,
    categories: [...categories],
    rejected: rating === -1 || pick === '1',
  };
}
