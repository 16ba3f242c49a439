import { recordFromContainer } from '../../src/metadata/extract.js';
import type { ContainerInfo, MetadataEntry, MetadataRecord } from '../../src/metadata/types.js';

/** Runs the parser registry over hand-made entries, as if a PNG carried them. */
export function recordOf(entries: Record<string, string | object> | MetadataEntry[], container: Partial<ContainerInfo> = {}): MetadataRecord {
  const list: MetadataEntry[] = Array.isArray(entries)
    ? entries
    : Object.entries(entries).map(([key, value]) => ({ key, text: typeof value === 'string' ? value : JSON.stringify(value), carrier: 'png:tEXt' }));
  const info: ContainerInfo = { format: 'png', width: 64, height: 64, hasAlpha: false, animated: false, entries: list, c2pa: [], dateTimeOriginal: null, warnings: [], ...container };
  return recordFromContainer('test.png', info);
}
