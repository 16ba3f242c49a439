/** What the shell tells the user: the confirmation toast (with Undo for a journaled edit) and the error banner. */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface Notice {
  message: string;
  /** The journaled edit the toast's Undo button reverses. */
  change: number | null;
}

export class NoticesController implements ReactiveController {
  notice: Notice | null = null;
  error: string | null = null;
  private timer = 0;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
  }

  say(message: string, change: number | null = null): void {
    this.notice = { message, change };
    clearTimeout(this.timer);
    // Long enough to reach the Undo button.
    this.timer = window.setTimeout(() => this.hideNotice(), change === null ? 3500 : 10_000);
    this.host.requestUpdate();
  }

  hideNotice(): void {
    clearTimeout(this.timer);
    this.notice = null;
    this.host.requestUpdate();
  }

  /** Shows (or, with null, dismisses) the error banner. */
  fail(message: string | null): void {
    this.error = message;
    this.host.requestUpdate();
  }
}
