/**
 * The grid's paging controller against a fake server: a first page whose total is null (a costly
 * count the server runs off its thread) shows its items at once and takes the total from the count.
 */
import { describe, expect, it } from 'vitest';
import { PagingController } from '../../src/ui/controllers/paging.js';
import type { Page } from '../../src/ui/api.js';
import type { NoticesController } from '../../src/ui/controllers/notices.js';

const host = { addController: () => undefined, requestUpdate: () => undefined, removeController: () => undefined, updateComplete: Promise.resolve(true) };
const item = (id: number) => ({ id }) as Page['items'][number];

function paging(firstTotal: number | null, count: () => Promise<number>) {
  let counts = 0;
  const controller = new PagingController(host, {
    fetchPage: async () => ({ items: [item(1), item(2)], next_cursor: 'c', total: firstTotal }),
    fetchCount: () => {
      counts++;
      return count();
    },
    showsList: () => true,
    notices: { fail: () => undefined } as unknown as NoticesController,
    onFirstPage: () => undefined,
    onReloaded: () => undefined,
  });
  return { controller, counts: () => counts };
}

describe('the paging controller', () => {
  it('shows a first page at once and fills in its total from the count when the page could not count', async () => {
    let release!: (n: number) => void;
    const { controller, counts } = paging(null, () => new Promise((r) => (release = r)));
    await controller.loadFirst();
    expect(controller.items.map((i) => i.id)).toEqual([1, 2]);
    expect(controller.total).toBe(2); // what is loaded, until the count answers
    expect(counts()).toBe(1);
    release(67_629);
    await new Promise((r) => setTimeout(r, 0));
    expect(controller.total).toBe(67_629);
  });

  it('asks for no count when the page has its total, and drops a count answered for an older list', async () => {
    const known = paging(500, () => Promise.resolve(1));
    await known.controller.loadFirst();
    expect(known.controller.total).toBe(500);
    expect(known.counts()).toBe(0);

    let release!: (n: number) => void;
    const stale = paging(null, () => new Promise((r) => (release = r)));
    await stale.controller.loadFirst();
    const first = release;
    await stale.controller.loadFirst(); // the user changed the filter meanwhile
    first(99);
    await new Promise((r) => setTimeout(r, 0));
    expect(stale.controller.total).toBe(2);
  });
});
