/** Key-value settings and the scan log. */
import type { Kernel } from './kernel.js';

const now = () => new Date().toISOString();

export interface ScanRecord {
  started_at: string;
  finished_at: string | null;
  stats: unknown;
  kind: string;
}

export class Settings {
  private readonly s;

  constructor(private readonly kernel: Kernel) {
    this.s = {
      get: kernel.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
      set: kernel.prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      startScan: kernel.prepare('INSERT INTO scans(started_at, kind) VALUES (?, ?)'),
      finishScan: kernel.prepare('UPDATE scans SET finished_at = ?, stats = ? WHERE id = ?'),
      lastScan: kernel.prepare<[], { started_at: string; finished_at: string | null; stats: string | null; kind: string }>(
        'SELECT started_at, finished_at, stats, kind FROM scans ORDER BY id DESC LIMIT 1',
      ),
    };
  }

  get(key: string): string | null {
    return this.s.get.get(key)?.value ?? null;
  }

  set(key: string, value: string): void {
    this.kernel.write(() => this.s.set.run(key, value));
  }

  startScan(kind: string): number {
    return this.kernel.write(() => Number(this.s.startScan.run(now(), kind).lastInsertRowid));
  }

  finishScan(id: number, stats: unknown): void {
    this.kernel.write(() => this.s.finishScan.run(now(), JSON.stringify(stats), id));
  }

  lastScan(): ScanRecord | null {
    const row = this.s.lastScan.get();
    return row ? { ...row, stats: row.stats ? JSON.parse(row.stats) : null } : null;
  }
}
