/**
 * XMP packet (RDF/XML) → flat properties. Simple values, attributes and rdf:Alt/Seq/Bag lists are
 * all flattened to `prefix:name` → string | string[]; structure deeper than that is kept as JSON text.
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import type { MetadataEntry } from '../types.js';

/** XMP packets larger than this are not parsed (they are still kept raw by the caller). */
export const MAX_XMP_BYTES = 4 * 1024 * 1024;

export type XmpValue = string | string[];
export type XmpProperties = Record<string, XmpValue>;

const require = createRequire(import.meta.url);
let parser: XMLParser | null = null;

/** The XML parser is loaded on the first XMP packet, synchronously (its CommonJS build): most files have none. */
function xmlParser(): XMLParser {
  if (parser) return parser;
  const { XMLParser: Parser } = require('fast-xml-parser') as typeof import('fast-xml-parser');
  parser = new Parser(PARSER_OPTIONS);
  return parser;
}

const PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true, // numeric character references (`&#xA;` in attribute values) are decoded too
  isArray: (name: string) => name === 'rdf:li' || name === 'rdf:Description',
};

type Node = Record<string, unknown>;

function textValue(node: unknown): string | null {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (node && typeof node === 'object' && '#text' in (node as Node)) return String((node as Node)['#text']);
  return null;
}

function listValue(container: unknown): string[] | null {
  if (!container || typeof container !== 'object') return null;
  const items = (container as Node)['rdf:li'];
  if (!Array.isArray(items)) return [];
  return items.map((item) => textValue(item) ?? JSON.stringify(item));
}

function propertyValue(node: unknown): XmpValue {
  const text = textValue(node);
  if (text !== null && (typeof node !== 'object' || Object.keys(node as Node).every((k) => k === '#text' || k.startsWith('@')))) {
    return text;
  }
  if (node && typeof node === 'object') {
    const n = node as Node;
    const alt = n['rdf:Alt'];
    if (alt !== undefined) {
      const items = (alt as Node)?.['rdf:li'];
      if (Array.isArray(items)) {
        const preferred = items.find((i) => (i as Node)?.['@xml:lang'] === 'x-default') ?? items[0];
        return textValue(preferred) ?? '';
      }
      return '';
    }
    const seq = listValue(n['rdf:Seq'] ?? n['rdf:Bag']);
    if (seq) return seq;
  }
  return JSON.stringify(node);
}

function collect(description: Node, out: XmpProperties): void {
  for (const [key, value] of Object.entries(description)) {
    if (key.startsWith('@')) {
      const name = key.slice(1);
      if (name.startsWith('xmlns') || name.startsWith('rdf:') || name.startsWith('xml:')) continue;
      out[name] = String(value);
    } else if (key !== '#text') {
      out[key] = propertyValue(value);
    }
  }
}

function findDescriptions(node: unknown, found: Node[], depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 8) return;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'rdf:Description') {
      for (const d of value as Node[]) if (d && typeof d === 'object') found.push(d);
    } else if (typeof value === 'object') {
      findDescriptions(value, found, depth + 1);
    }
  }
}

/** Parses an XMP packet; returns null when it is not well-formed XML. */
export function parseXmp(xml: string): XmpProperties | null {
  if (xml.length > MAX_XMP_BYTES) return null;
  let doc: unknown;
  try {
    doc = xmlParser().parse(xml);
  } catch {
    return null;
  }
  const descriptions: Node[] = [];
  findDescriptions(doc, descriptions);
  const out: XmpProperties = {};
  for (const d of descriptions) collect(d, out);
  return out;
}

/** XMP as metadata entries: one per property, lists joined by newlines. The packet itself is kept too. */
export function xmpEntries(xml: string, carrier: string): MetadataEntry[] {
  const entries: MetadataEntry[] = [{ key: 'XMP', text: xml, carrier }];
  const props = parseXmp(xml);
  if (!props) return entries;
  for (const [key, value] of Object.entries(props)) {
    const text = Array.isArray(value) ? value.join('\n') : value;
    if (text.trim()) entries.push({ key, text, carrier: `${carrier}:${key}` });
  }
  return entries;
}
