/** How image_meta.raw holds a file's raw chunks: JSON, deflated when large enough for it to pay (ComfyUI workflows). */
import zlib from 'node:zlib';

export function packRaw(raw: Record<string, unknown>): Uint8Array | string {
  const json = JSON.stringify(raw);
  return json.length < 2048 ? json : zlib.deflateRawSync(Buffer.from(json), { level: 1 });
}

/** image_meta.raw holds deflated JSON (packRaw); plain JSON text is accepted too. */
export function unpackRaw(value: string | Uint8Array | null): Record<string, unknown> {
  if (!value) return {};
  const text = typeof value === 'string' ? value : zlib.inflateRawSync(value).toString('utf8');
  return JSON.parse(text) as Record<string, unknown>;
}

