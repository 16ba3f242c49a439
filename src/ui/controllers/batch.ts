/**
 * Edits the shell sends: a batch action on the selection (tags, favorite, rating, categories,
 * also a drop on a sidebar category), the zip export, a card's favorite toggle and the toast's
 * Undo. Each confirms in the toast and re-reads what is shown.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { api } from '../api.js';
import type { NoticesController } from './notices.js';
import type { PagingController } from './paging.js';

export interface BatchOptions {
  paging: PagingController;
  notices: NoticesController;
  /** What the selection is, as POST /api/batch and /api/export take it. */
  selectionPayload: () => Record<string, unknown>;
  /** After an edit: the sidebar's counts and an open detail view are stale. */
  onEdited: (edit: 'batch' | 'undo') => void;
}

export class BatchController implements ReactiveController {
  /** A batch action or an export is in flight (the batch bar's buttons wait). */
  busy = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly o: BatchOptions,
  ) {
    host.addController(this);
  }

  // Nothing to start: it acts on calls (a ReactiveController names at least one lifecycle hook).
  hostConnected(): void {}

  async run(body: Record<string, unknown>, label: string, payload = this.o.selectionPayload()): Promise<void> {
    this.setBusy(true);
    try {
      const r = await api.batch({ ...payload, ...body });
      this.o.notices.say(`${label}: ${r.updated.toLocaleString()} image${r.updated === 1 ? '' : 's'}`, r.change ?? null);
      this.o.onEdited('batch');
      await this.o.paging.reloadInPlace();
    } catch (err) {
      this.o.notices.fail(`Batch action failed: ${(err as Error).message}`);
    } finally {
      this.setBusy(false);
    }
  }

  /**
   * Moves originals to the trash (the selection, given ids, or `{rejected: true}`); refused with
   * the server's words on how to turn it on while --allow-trash is off. Returns the ids moved.
   */
  async trash(payload: Record<string, unknown> = this.o.selectionPayload()): Promise<number[]> {
    this.setBusy(true);
    try {
      const r = await api.trash(payload);
      this.o.notices.say(`Moved to the trash: ${r.moved.length.toLocaleString()} image${r.moved.length === 1 ? '' : 's'}`, r.change ?? null);
      this.o.onEdited('batch');
      await this.o.paging.reloadInPlace();
      return r.moved;
    } catch (err) {
      this.o.notices.fail(`Not moved to the trash: ${(err as Error).message}`);
      return [];
    } finally {
      this.setBusy(false);
    }
  }

  /** Brings trashed originals back to their paths. */
  async restore(ids: number[]): Promise<void> {
    this.setBusy(true);
    try {
      const r = await api.restore(ids);
      this.o.notices.say(`Restored: ${r.moved.length.toLocaleString()} image${r.moved.length === 1 ? '' : 's'}`, r.change ?? null);
      this.o.onEdited('batch');
      await this.o.paging.reloadInPlace();
    } catch (err) {
      this.o.notices.fail(`Not restored: ${(err as Error).message}`);
    } finally {
      this.setBusy(false);
    }
  }

  /** Prepares the zip on the server, then downloads it through a temporary link. */
  async exportZip(metadata: string): Promise<void> {
    this.setBusy(true);
    try {
      const r = await api.exportZip({ ...this.o.selectionPayload(), metadata });
      const a = document.createElement('a');
      a.href = r.url;
      a.download = '';
      document.body.append(a);
      a.click();
      a.remove();
      this.o.notices.say(`Exporting ${r.count.toLocaleString()} images…`);
    } catch (err) {
      this.o.notices.fail(`Export failed: ${(err as Error).message}`);
    } finally {
      this.setBusy(false);
    }
  }

  async toggleFavorite(index: number): Promise<void> {
    const item = this.o.paging.items[index];
    try {
      const d = await api.patch(item.id, { favorite: !item.favorite });
      this.o.paging.patchItem(d.id, { favorite: d.favorite });
      this.o.notices.say(d.favorite ? 'Added to favorites' : 'Removed from favorites', d.change ?? null);
    } catch (err) {
      this.o.notices.fail((err as Error).message);
    }
  }

  /** The toast's Undo: POST /api/undo for that change, then show what is stored now. */
  async undo(change: number): Promise<void> {
    this.o.notices.hideNotice();
    try {
      const r = await api.undo(change);
      this.o.notices.say(r.reversed.length ? `Undone: ${r.reversed[0].description}` : 'Nothing to undo');
      this.o.onEdited('undo');
      await this.o.paging.reloadInPlace();
    } catch (err) {
      this.o.notices.fail(`Undo failed: ${(err as Error).message}`);
    }
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.host.requestUpdate();
  }
}
