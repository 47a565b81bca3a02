import { describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { OUTBOX_GRACE_MS, type OutboxStore } from '../src/outbox.ts';

/** Writes documents with an outbox the way a service's own write does, and reads them back. */
export interface OutboxHarness {
  store: OutboxStore;
  /** Creates a document with these pending events, written at time `now`. */
  insert(key: string, events: DomainEvent[], now: number): Promise<void>;
  pending(key: string): Promise<string[]>;
}

export const testEvent = () => createEvent('stock.reserved', { orderId: uuidv7() }, 'test');
const longAgo = () => Date.now() - OUTBOX_GRACE_MS - 1_000;

/** The behaviour every OutboxStore adapter must have; run against the in-memory and the MongoDB one. */
export function outboxStoreContract(name: string, make: () => Promise<OutboxHarness>) {
  describe(`OutboxStore contract: ${name}`, () => {
    it('leaves a fresh entry to the writer for the grace period, then hands it out', async () => {
      const h = await make();
      const fresh = uuidv7();
      const stale = uuidv7();
      const events = [testEvent(), testEvent()];
      await h.insert(fresh, [testEvent()], Date.now());
      await h.insert(stale, events, longAgo());
      const claimed = await h.store.claimDue(10, 30_000);
      expect(claimed.map((e) => e.key)).toEqual([stale]);
      expect(claimed[0]?.events).toEqual(events);
    });

    it('leases what it hands out: a second claim gets nothing until the lease runs out', async () => {
      const h = await make();
      const key = uuidv7();
      await h.insert(key, [testEvent()], longAgo());
      expect(await h.store.claimDue(10, 300)).toHaveLength(1);
      expect(await h.store.claimDue(10, 300)).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 400));
      expect((await h.store.claimDue(10, 300)).map((e) => e.key)).toEqual([key]);
    });

    it('markSent of some events keeps the rest due; of all of them clears the entry', async () => {
      const h = await make();
      const key = uuidv7();
      const [a, b, c] = [testEvent(), testEvent(), testEvent()];
      await h.insert(key, [a, b, c], longAgo());
      const [entry] = await h.store.claimDue(10, 1);
      expect(entry?.events).toEqual([a, b, c]);
      await h.store.markSent(key, [a], false);
      expect(await h.pending(key)).toEqual([b.id, c.id]);
      await new Promise((r) => setTimeout(r, 10));
      expect((await h.store.claimDue(10, 30_000)).map((e) => e.events.map((x) => x.id))).toEqual([[b.id, c.id]]);
      await h.store.markSent(key, [b, c], true);
      expect(await h.pending(key)).toEqual([]);
      await new Promise((r) => setTimeout(r, 10));
      expect(await h.store.claimDue(10, 1)).toEqual([]); // nothing due once empty
    });

    it('pending() counts the events waiting and finds the oldest, leased or not, until they are sent', async () => {
      const h = await make();
      expect(await h.store.pending()).toEqual({ events: 0, oldestAt: undefined });
      const minuteAgo = Date.now() - 60_000;
      const old = { ...testEvent(), occurredAt: new Date(minuteAgo).toISOString() };
      const [next, last] = [testEvent(), testEvent()];
      const [stuck, fresh] = [uuidv7(), uuidv7()];
      await h.insert(stuck, [old, next], longAgo());
      await h.insert(fresh, [last], Date.now());
      await h.store.claimDue(1, 30_000); // the stuck one is leased: due later than the fresh one
      expect(await h.store.pending()).toEqual({ events: 3, oldestAt: minuteAgo });
      await h.store.markSent(stuck, [old], false);
      expect(await h.store.pending()).toEqual({ events: 2, oldestAt: Date.parse(next.occurredAt) });
      await h.store.markSent(stuck, [next], true);
      await h.store.markSent(fresh, [last], true);
      expect(await h.store.pending()).toEqual({ events: 0, oldestAt: undefined });
    });

    it('hands out at most `limit` entries, oldest first', async () => {
      const h = await make();
      const keys = [uuidv7(), uuidv7(), uuidv7()];
      for (const [i, key] of keys.entries()) await h.insert(key, [testEvent()], longAgo() - (3 - i) * 1000);
      expect((await h.store.claimDue(2, 30_000)).map((e) => e.key)).toEqual(keys.slice(0, 2));
      expect((await h.store.claimDue(2, 30_000)).map((e) => e.key)).toEqual(keys.slice(2));
    });
  });
}
