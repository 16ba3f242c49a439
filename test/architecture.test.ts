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
  return edges.filter((e) => e.to === 'better-sqlite3' && !e.from.startsWith('src/index/store/')).map((e) => `${e.from} imports better-sqlite3`);
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
    expect(edges.some((e) => e.from === 'src/index/store/store.ts' && e.to === 'better-sqlite3')).toBe(true);
    expect(edges.some((e) => e.from === 'src/metadata/extract.ts' && e.to === 'src/metadata/parsers/registry.ts')).toBe(true);
    expect(edges.some((e) => e.from === 'src/index/ingest-pool.ts' && e.to === 'src/metadata/file.ts' && !e.typeOnly)).toBe(true);
  });

  it('only src/index/store/ imports better-sqlite3', () => {
    expect(sqliteOutsideStore(edges)).toEqual([]);
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
  write('src/index/store/store.ts', "import Database from 'better-sqlite3';\nexport const db = Database;\n");
  write('src/api/routes.ts', "import type { Database } from 'better-sqlite3';\nexport type D = Database;\n");
  write('src/metadata/extract.ts', "import { tag } from '../index/tags.js';\nimport { x } from './own.js';\nexport const y = [tag, x];\n");
  write('src/metadata/own.ts', "import fs from 'node:fs';\nexport const x = fs;\n");
  write('src/index/tags.ts', "export const tag = 1;\nexport const lazy = () => import('./walk.js');\n");
  write('src/index/walk.ts', "import { tag } from './tags.js';\nexport const w = tag;\n");
  write('src/index/a.ts', "import type { B } from './b.js';\nexport type A = B;\n");
  write('src/index/b.ts', "import { type A } from './a.js';\nexport type B = A;\n");
  const edges = importGraph(base, 'src');

  it('reports a second importer of better-sqlite3, type imports included', () => {
    expect(sqliteOutsideStore(edges)).toEqual(['src/api/routes.ts imports better-sqlite3']);
  });

  it('reports a metadata file importing outside src/metadata/', () => {
    expect(metadataReachingOut(edges)).toEqual(['src/metadata/extract.ts imports src/index/tags.ts']);
  });

  it('reports a cycle through a dynamic import, not one through type imports', () => {
    expect(describeCycles(edges)).toEqual(['src/index/tags.ts <-> src/index/walk.ts']);
  });
});
