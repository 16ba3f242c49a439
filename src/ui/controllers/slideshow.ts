/**
 * The slideshow: steps through a list of images (the selection when two or more are selected,
 * else the loaded list of the current filter or search) every `interval` seconds, in order or
 * shuffled, stopping at the end or looping.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface SlideshowSettings {
  interval: number;
  shuffle: boolean;
  loop: boolean;
}

export class SlideshowController implements ReactiveController {
  playing = false;
  private order: number[] = [];
  private at = 0;
  private timer = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    /** Opens an image in the detail view. */
    private readonly show: (id: number) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.stop();
  }

  /** Starts over `ids` from `current` (kept first when shuffling). */
  start(ids: number[], current: number | null, settings: SlideshowSettings): void {
    this.stop();
    if (ids.length < 2) return;
    let order = [...ids];
    if (settings.shuffle) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      if (current !== null && order.includes(current)) order = [current, ...order.filter((id) => id !== current)];
    }
    this.order = order;
    this.at = Math.max(0, current !== null ? order.indexOf(current) : 0);
    this.playing = true;
    this.show(order[this.at]);
    this.timer = window.setInterval(() => {
      if (this.at + 1 >= this.order.length && !settings.loop) return this.stop();
      this.at = (this.at + 1) % this.order.length;
      this.show(this.order[this.at]);
    }, settings.interval * 1000);
    this.host.requestUpdate();
  }

  stop(): void {
    clearInterval(this.timer);
    if (!this.playing) return;
    this.playing = false;
    this.host.requestUpdate();
  }
}
