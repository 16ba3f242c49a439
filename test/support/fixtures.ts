/** Fixture images written by our own code (never copied from the corpus). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import sharp from 'sharp';

export function tempDir(prefix = 'vv-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function solidImage(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'avif', color: [number, number, number] = [200, 30, 30], width = 32, height = 24, alpha = false): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { r: color[0], g: color[1], b: color[2], alpha: 0.5 } : { r: color[0], g: color[1], b: color[2] } } });
  switch (format) {
    case 'png':
      return img.png().toBuffer();
    case 'jpeg':
      return img.jpeg().toBuffer();
    case 'webp':
      return img.webp().toBuffer();
    case 'gif':
      return img.gif().toBuffer();
    case 'avif':
      return img.avif({ effort: 0 }).toBuffer();
  }
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** sha256 of every file under a folder, keyed by relative path. */
export function treeHashes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out.set(path.relative(root, abs), sha256(abs));
    }
  };
  walk(root);
  return out;
}

export function writeFile(root: string, rel: string, bytes: Uint8Array | string): string {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, bytes);
  return abs;
}
