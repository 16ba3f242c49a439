/**
 * Recorded changes (`vv history`, `vv undo`) and edit events. Every organizing write made while a
 * change is open is journaled by triggers (journal.ts) in the same transaction, under one change id;
 * listeners hear which images each finished edit touched (the XMP writer).
 */
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import type { FullTextIndex } from './fts.js';
import { Journal, JournalConflictError, type ChangeContext, type ChangeSummary, type UndoResult } from './journal.js';
import type { Kernel } from './kernel.js';
import type { Tags } from './tags.js';

/** Called after user edits (tags, categories, rating, favorite) with the images they touched. */
export type EditListener = (imageIds: number[]) => void;

const now = () => new Date().toISOString();

export class Changes {
  readonly journal: Journal;
  /** The change being recorded (edits made while it is open join it). */
  private open: { id: number; descriptions: string[] } | null = null;
  private readonly listeners: EditListener[] = [];

  constructor(
    private readonly kernel: Kernel,
    private readonly tags: Tags,
    private readonly fts: FullTextIndex,
  ) {
    this.journal = new Journal(kernel);
  }

  onEdit(listener: EditListener): void {
    this.listeners.push(listener);
  }

  /** Tells the listeners which images an edit touched. */
  edited(ids: number[]): void {
    if (ids.length) for (const l of this.listeners) l(ids);
  }

  /**
   * Runs fn as one recorded change: every organizing write it makes (through any store method) is
   * journaled in the same transaction, under one change id. Inside an open change, fn joins it.
   * `change` is null when nothing was changed.
   */
  record<T>(context: ChangeContext, fn: () => T, compact = false): { value: T; change: number | null } {
    if (this.open) {
      if (context.description) this.open.descriptions.push(context.description);
      return { value: fn(), change: this.open.id };
    }
    let change: number | null = null;
    const value = this.kernel.write(() => {
      const open = { id: this.journal.open(context, now()), descriptions: [] as string[] };
      this.open = open;
      let result: T;
      try {
        result = fn();
      } catch (err) {
        this.journal.abandon(open.id);
        throw err;
      } finally {
        this.open = null;
      }
      change = this.journal.close(open.id, context.description ?? (open.descriptions.join('; ') || context.origin), compact);
      return result;
    });
    return { value, change };
  }

  /** An edit's body: joins the open change, or records its own (origin from the caller, api by default). */
  journaled<T>(description: string, context: ChangeContext | undefined, fn: () => T): T {
    if (this.open) {
      this.open.descriptions.push(description);
      return fn();
    }
    return this.record({ origin: context?.origin ?? 'api', description: context?.description ?? description }, fn).value;
  }

  /** Recorded changes, newest first (ids below `before`, when given). */
  history(limit = 50, before?: number): ChangeSummary[] {
    return this.journal.list(limit, before);
  }

  /**
   * Reverses recorded changes, newest first: one change by id, every change since a time (back to
   * the state at that time), or by default the latest change not yet undone that is not an undo.
   * The reversal is itself a change (origin undo): undoing it redoes.
   */
  undo(target: { change?: number; since?: string } = {}, context: ChangeContext = { origin: 'undo' }): UndoResult {
    let since: string | undefined;
    if (target.since !== undefined) {
      const t = Date.parse(target.since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(target.since) || Number.isNaN(t)) throw new InvalidInputError(`not an ISO 8601 time: ${target.since}`);
      since = new Date(t).toISOString();
    }
    const touched = new Set<number>();
    let targets: ChangeSummary[] = [];
    const { change } = this.record({ origin: context.origin, description: context.description }, () => {
      // Chosen inside the transaction (which holds the write lock from its first write on): a
      // change another process records meanwhile is either reversed too or not yet there.
      const undoId = this.open!.id;
      let description: string;
      if (target.change !== undefined) {
        const c = this.journal.get(target.change);
        if (!c) throw new NotFoundError(`no change ${target.change}`);
        if (c.undone_by !== null) throw new ConflictError(`change ${c.id} was already undone by change ${c.undone_by} (undo that one to redo it)`);
        targets = [c];
        description = `undo ${c.id}: ${c.description}`;
      } else if (since !== undefined) {
        targets = this.journal.since(since).filter((c) => c.id !== undoId);
        description = `undo since ${since}: ${targets.length} change${targets.length === 1 ? '' : 's'}`;
      } else {
        const latest = this.journal.latestUndoable();
        targets = latest && latest.id !== undoId ? [latest] : [];
        description = latest ? `undo ${latest.id}: ${latest.description}` : 'undo';
      }
      this.open!.descriptions.push(description);
      const at = now();
      for (const c of targets) {
        try {
          for (const image of this.journal.reverse(c.id, { tagId: (id, name) => this.tags.forJournal(id, name) }, at)) touched.add(image);
        } catch (err) {
          throw err instanceof JournalConflictError ? new ConflictError(`change ${c.id}: ${err.message}`) : err;
        }
        this.journal.markUndone(c, undoId);
      }
      this.journal.setReverts(undoId, targets.map((c) => c.id));
      for (const image of touched) this.fts.refresh(image);
    });
    this.edited([...touched]);
    return { change, reversed: targets.map((c) => this.journal.get(c.id)!) };
  }
}
