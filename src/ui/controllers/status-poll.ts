/**
 * Polls /api/status for the header: scan, thumbnail and embedding progress, the library's
 * presence, problem counts. Every second while background work runs, every 4 s otherwise; when
 * the work finishes, what is shown may be stale (new images, tags), so the host is told.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { api, type Status } from '../api.js';

export class StatusPollController implements ReactiveController {
  /** The last answer; null while the server cannot be reached. */
  status: Status | null = null;
  private timer = 0;
  private wasRunning = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onWorkFinished: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.poll();
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    let running = false;
    try {
      const s = await api.status();
      this.status = s;
      running = s.scan.running || s.thumbnails.running || Boolean(s.embeddings.running);
      if (this.wasRunning && !running) this.onWorkFinished();
      this.wasRunning = running;
    } catch {
      this.status = null;
    }
    this.host.requestUpdate();
    this.timer = window.setTimeout(() => void this.poll(), running ? 1000 : 4000);
  }
}
