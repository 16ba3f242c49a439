/**
 * What the image decoder is given. libvips (libpng) inflates every PNG text chunk into memory
 * while decoding: sixty 16 MiB zTXt chunks took a decode to 3.7 GB and 33 s. Pixels need none of
 * them, so a PNG's tEXt / zTXt / iTXt chunks are dropped before decoding; other files go as they are.
 */
import fs from 'node:fs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);

function isPngFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    return fs.readSync(fd, head, 0, 8, 0) === 8 && head.equals(PNG_SIGNATURE);
  } finally {
    fs.closeSync(fd);
  }
}

/** The PNG without its text chunks (the same bytes when it has none); anything unparsable is kept as is. */
export function withoutPngText(png: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  let pos = 8;
  let dropped = false;
  while (pos + 12 <= png.length) {
    const length = png.readUInt32BE(pos);
    const end = pos + 12 + length;
    if (end > png.length) break;
    if (TEXT_CHUNKS.has(png.toString('latin1', pos + 4, pos + 8))) dropped = true;
    else parts.push(png.subarray(pos, end));
    pos = end;
  }
  if (!dropped) return png;
  parts.push(png.subarray(pos));
  return Buffer.concat(parts);
}

/** A path or bytes as the decoder should see them. */
export function decoderInput(input: string | Buffer): string | Buffer {
  if (Buffer.isBuffer(input)) return input.subarray(0, 8).equals(PNG_SIGNATURE) ? withoutPngText(input) : input;
  try {
    if (!isPngFile(input)) return input;
    const bytes = fs.readFileSync(input);
    const stripped = withoutPngText(bytes);
    return stripped === bytes ? input : stripped;
  } catch {
    return input; // the decoder reports the unreadable file
  }
}
