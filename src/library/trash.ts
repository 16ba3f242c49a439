/**
 * Moving originals to the operating system's trash — the one change the vault makes to the
 * library, and only when the user started it with --allow-trash. Each move is a journaled change
 * (the row keeps its id, tags, categories… and records where the file went): Restore, or
 * `vv undo` of the change, brings the file back to its path with all of it. Files move inside the
 * change's transaction and are moved back when it fails, so rows and files never disagree.
 */
import path from 'node:path';
import fs from 'node:fs';
import { ConflictError, NotFoundError, TrashDisabledError } from '../core/errors.js';
import type { Store } from '../db/store.js';
import type { ChangeOrigin, Changed } from './organize.js';
import { moveToPlatformTrash, restoreFromPlatformTrash, runCommand, trashKindOf, unsupportedTrash, type CommandRunner, type TrashKind } from './platform-trash.js';
import { moveToTrash, restoreFromTrash, type TrashEnv } from './trash-can.js';

export interface TrashOptions {
  /** --allow-trash (env VV_ALLOW_TRASH): off by default. */
  enabled: boolean;
  /** Where the home trash is ($XDG_DATA_HOME, $HOME); default process.env. */
  env?: TrashEnv;
  /** Whose trash: the freedesktop.org one (Linux, BSD), Finder's (macOS), the Recycle Bin (Windows); default process.platform. */
  platform?: NodeJS.Platform;
  /** Runs the macOS / Windows trash tools (default: the real ones). */
  run?: CommandRunner;
}

const plural = (n: number) => `${n} image${n === 1 ? '' : 's'}`;

export class Trash {
  private allowed: boolean;
  private readonly env: TrashEnv;
  private readonly platform: NodeJS.Platform;
  private readonly kind: TrashKind | null;
  private readonly run: CommandRunner;

  constructor(
    private readonly store: Store,
    /** The library folder (null: this data dir has not indexed one). */
    private readonly root: string | null,
    options: TrashOptions,
  ) {
    this.allowed = options.enabled;
    this.env = options.env ?? process.env;
    this.platform = options.platform ?? process.platform;
    this.kind = trashKindOf(this.platform);
    this.run = options.run ?? runCommand;
  }

  /** Moving to the trash is allowed (--allow-trash) and this platform has a trash the vault knows. */
  get enabled(): boolean {
    return this.allowed && this.kind !== null;
  }

  set enabled(allowed: boolean) {
    this.allowed = allowed;
  }

  /** Why moving to the trash is refused: not allowed, or no trash known here (never a delete instead). */
  private refusal(): TrashDisabledError {
    return this.allowed ? unsupportedTrash(this.platform) : new TrashDisabledError();
  }

  /** Moves one file into this platform's trash; returns where it went. */
  private put(file: string, at: Date): string {
    if (this.kind === null) throw this.refusal();
    return this.kind === 'freedesktop' ? moveToTrash(file, this.env, at) : moveToPlatformTrash(this.kind, file, this.run);
  }

  /** Moves one trashed file back; returns how to put it back into the trash. */
  private takeOut(trashFile: string, file: string): () => void {
    return this.kind === 'finder' || this.kind === 'recycle-bin' ? restoreFromPlatformTrash(this.kind, trashFile, file) : restoreFromTrash(trashFile, file);
  }

  private original(relative: string): string {
    if (!this.root) throw new NotFoundError('this data dir has no library folder recorded');
    return path.join(this.root, relative);
  }

  /**
   * Moves the originals of these images to the trash, as one change. Images already in the trash
   * and files no longer on disk are skipped; `value` is the ids moved.
   */
  moveToTrash(ids: number[], origin: ChangeOrigin = 'api'): Changed<number[]> {
    if (!this.enabled) throw this.refusal();
    return this.withRollback((undo) =>
      this.store.recordChange({ origin, description: `move ${plural(ids.length)} to the trash` }, () => {
        const moved: number[] = [];
        const at = new Date();
        for (const id of ids) {
          const row = this.store.trash.row(id);
          if (!row) throw new NotFoundError(`image ${id} does not exist`);
          const file = this.original(row.path);
          if (row.trash_file || !fs.existsSync(file)) continue;
          const trashFile = this.put(file, at);
          undo.push(() => this.takeOut(trashFile, file));
          this.store.trash.markTrashed(id, trashFile, at.toISOString());
          moved.push(id);
        }
        return moved;
      }),
    );
  }

  /** Brings trashed originals back to their paths, as one change; `value` is the ids restored. */
  restore(ids: number[], origin: ChangeOrigin = 'api'): Changed<number[]> {
    return this.withRollback((undo) =>
      this.store.recordChange({ origin, description: `restore ${plural(ids.length)} from the trash` }, () => {
        const restored: number[] = [];
        const at = new Date().toISOString();
        for (const id of ids) {
          const row = this.store.trash.row(id);
          if (!row) throw new NotFoundError(`image ${id} does not exist`);
          if (!row.trash_file) continue;
          undo.push(this.takeOut(row.trash_file, this.original(row.path)));
          this.store.trash.markRestored(id, at);
          restored.push(id);
        }
        return restored;
      }),
    );
  }

  /** Present images marked as rejects (what "move the rejects to the trash" takes). */
  rejectedIds(): number[] {
    return this.store.trash.rejectedIds();
  }

  /**
   * Inside an undo's transaction, after its rows were written back: moves the files the way the
   * rows now say (a trash undone comes back; a restore undone, or a trash redone, goes again).
   */
  followUndo(changeId: number): void {
    const moves = new Map<number, { before: string | null; after: string | null }>();
    for (const m of this.store.trash.movesOf(changeId)) {
      const seen = moves.get(m.image_id);
      moves.set(m.image_id, { before: seen ? seen.before : m.before, after: m.after });
    }
    if (moves.size === 0) return;
    this.withRollback((undo) => {
      const at = new Date();
      for (const [id, { before, after }] of moves) {
        const row = this.store.trash.row(id);
        if (!row) continue;
        const file = this.original(row.path);
        if (before && !after) {
          undo.push(this.takeOut(before, file));
          this.store.trash.setPresent(id, true, at.toISOString());
        } else if (!before && after) {
          if (!this.enabled) throw this.refusal();
          if (!fs.existsSync(file)) throw new ConflictError(`cannot move ${row.path} to the trash again: it is no longer in the library`);
          const trashFile = this.put(file, at);
          undo.push(() => this.takeOut(trashFile, file));
          // The name the file had in the trash may be taken now: the row follows where it went.
          if (trashFile !== after) this.store.trash.markTrashed(id, trashFile, at.toISOString());
          else this.store.trash.setPresent(id, false, at.toISOString());
        }
      }
    });
  }

  /** Runs a change that moves files; when it fails, the files it moved go back, newest first. */
  private withRollback<T>(fn: (undo: (() => void)[]) => T): T {
    const undo: (() => void)[] = [];
    try {
      return fn(undo);
    } catch (err) {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (rollbackError) {
          console.error(`[vv trash] could not put a file back: ${(rollbackError as Error).message}`);
        }
      }
      throw err;
    }
  }
}
