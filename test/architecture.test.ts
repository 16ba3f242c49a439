/**
 * The layering rules of docs/ARCHITECTURE.md, checked on the import statements of every `.ts`
 * file under src/. Each assertion lists the offending files (and what they import) when it fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, type ImportEdge } from './support/import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Rule (a): one place owns the database driver. */
function sqliteOutsideStore(edges: ImportEdge[]): string[] {
  return edges.filter((e) => e.to === 'better-sqlite3' && !e.from.startsWith('src/db/')).map((e) => `${e.from} imports better-sqlite3`);
}

/** The adapters: HTTP, the FUSE filesystem, the command line. */
const isAdapter = (file: string) => /^src\/(http|fs|cli)\//.test(file) || /^src\/cli(-[a-z]+)?\.ts$/.test(file);

/** Rule (c): adapters go through the library layer, never to the database layer (type imports included). */
function adaptersReachingDb(edges: ImportEdge[]): string[] {
  return edges.filter((e) => isAdapter(e.from) && e.to.startsWith('src/db/')).map((e) => `${e.from} imports ${e.to}`);
}

/** Rule (e): the gallery runs in the browser: it imports only itself, and the server's wire types (type-only). */
function galleryReachingOut(edges: ImportEdge[]): string[] {
  return edges
    .filter((e) => e.from.startsWith('src/ui/') && e.local && !e.to.startsWith('src/ui/'))
    .filter((e) => !(e.to === 'src/http/wire.ts' && e.typeOnly))
    .map((e) => `${e.from} imports ${e.to}${e.typeOnly ? ' (type)' : ''}`);
}

/** Rule (d): each lower layer imports only the layers below it (core < db < ingest, ai < library < adapters). */
const ALLOWED_BELOW: Record<string, string[]> = {
  'src/core/': ['src/core/', 'src/metadata/'],
  'src/db/': ['src/db/', 'src/core/', 'src/metadata/'],
};
function layersReachingUp(edges: ImportEdge[]): string[] {
  return edges
    .filter((e) => e.local)
    .filter((e) => {
      const layer = Object.keys(ALLOWED_BELOW).find((l) => e.from.startsWith(l));
      return layer !== undefined && !ALLOWED_BELOW[layer].some((l) => e.to.startsWith(l));
    })
    .map((e) => `${e.from} imports ${e.to}`);
}

/** Rule (b): the metadata library depends on itself and on packages only. */
function metadataReachingOut(edges: ImportEdge[]): string[] {
  return edges
    .filter((e) => e.from.startsWith('src/metadata/') && e.local && !e.to.startsWith('src/metadata/'))
    .map((e) => `${e.from} imports ${e.to}`);
}

function describeCycles(edges: ImportEdge[]): string[] {
  return importCycles(edges).map((files) => files.join(' <-> '));
}

describe('architecture rules on src/', () => {
  const edges = importGraph(ROOT, 'src');

  it('reads the imports it checks', () => {
    // A parser that found nothing would make every rule pass.
    expect(edges.some((e) => e.from === 'src/db/kernel.ts' && e.to === 'better-sqlite3')).toBe(true);
    expect(edges.some((e) => e.from === 'src/metadata/extract.ts' && e.to === 'src/metadata/parsers/registry.ts')).toBe(true);
    expect(edges.some((e) => e.from === 'src/ingest/ingest-pool.ts' && e.to === 'src/metadata/file.ts' && !e.typeOnly)).toBe(true);
  });

  it('only src/db/ imports better-sqlite3', () => {
    expect(sqliteOutsideStore(edges)).toEqual([]);
  });

  it('adapters (src/http/, src/fs/, src/cli) never import src/db/', () => {
    expect(adaptersReachingDb(edges)).toEqual([]);
  });

  it('src/ui/ imports only itself and, type-only, src/http/wire.ts', () => {
    expect(galleryReachingOut(edges)).toEqual([]);
  });

  it('src/core/ and src/db/ import only the layers below them', () => {
    expect(layersReachingUp(edges)).toEqual([]);
  });

  it('src/metadata/ imports only src/metadata/ and packages', () => {
    expect(metadataReachingOut(edges)).toEqual([]);
  });

  it('src/ has no import cycles (type-only imports aside)', () => {
    expect(describeCycles(edges)).toEqual([]);
  });
});

describe('the rules catch violations', () => {
  // A throwaway tree that breaks every rule once, so a rule that can no longer fail is noticed.
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vv-arch-'));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
    fs.writeFileSync(path.join(base, rel), text);
  };
  write('src/db/store.ts', "import Database from 'better-sqlite3';\nexport const db = Database;\n");
  write('src/http/routes.ts', "import type { Database } from 'better-sqlite3';\nimport type { S } from '../db/store.js';\nexport type D = [Database, S];\n");
  write('src/fs/ops.ts', "import { db } from '../db/store.js';\nimport { lib } from '../library/lib.js';\nexport const o = [db, lib];\n");
  write('src/library/lib.ts', "export const lib = 1;\n");
  write('src/db/images.ts', "import { lib } from '../library/lib.js';\nimport { k } from '../core/keys.js';\nexport const i = [lib, k];\n");
  write('src/ui/app.ts', "import type { Wire } from '../http/wire.js';\nimport { schema } from '../http/schemas.js';\nimport { rule } from '../http/wire.js';\nexport const a = [schema, rule] as unknown as Wire;\n");
  write('src/http/wire.ts', "export type Wire = number;\nexport const rule = 1;\n");
  write('src/http/schemas.ts', "export const schema = 1;\n");
  write('src/core/keys.ts', "import { x } from '../metadata/own.js';\nexport const k = x;\n");
  write('src/metadata/extract.ts', "import { tag } from '../index/tags.js';\nimport { x } from './own.js';\nexport const y = [tag, x];\n");
  write('src/metadata/own.ts', "import fs from 'node:fs';\nexport const x = fs;\n");
  write('src/index/tags.ts', "export const tag = 1;\nexport const lazy = () => import('./walk.js');\n");
  write('src/index/walk.ts', "import { tag } from './tags.js';\nexport const w = tag;\n");
  write('src/index/a.ts', "import type { B } from './b.js';\nexport type A = B;\n");
  write('src/index/b.ts', "import { type A } from './a.js';\nexport type B = A;\n");
  const edges = importGraph(base, 'src');

  it('reports a second importer of better-sqlite3, type imports included', () => {
    expect(sqliteOutsideStore(edges)).toEqual(['src/http/routes.ts imports better-sqlite3']);
  });

  it('reports an adapter importing src/db/, type imports included', () => {
    expect(adaptersReachingDb(edges).sort()).toEqual(['src/fs/ops.ts imports src/db/store.ts', 'src/http/routes.ts imports src/db/store.ts']);
  });

  it('reports the gallery importing server code, but not a type import of the wire types', () => {
    expect(galleryReachingOut(edges).sort()).toEqual(['src/ui/app.ts imports src/http/schemas.ts', 'src/ui/app.ts imports src/http/wire.ts']);
  });

  it('reports src/db/ importing a layer above it', () => {
    expect(layersReachingUp(edges)).toEqual(['src/db/images.ts imports src/library/lib.ts']);
  });

  it('reports a metadata file importing outside src/metadata/', () => {
    expect(metadataReachingOut(edges)).toEqual(['src/metadata/extract.ts imports src/index/tags.ts']);
  });

  it('reports a cycle through a dynamic import, not one through type imports', () => {
    expect(describeCycles(edges)).toEqual(['src/index/tags.ts <-> src/index/walk.ts']);
  });
});
