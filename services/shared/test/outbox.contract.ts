import { describe, expect, it } from 'vitest';
import { createEvent, type DomainEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { OUTBOX_GRACE_MS, type OutboxStamp, type OutboxStore, type OutboxWriters } from '../src/outbox.ts';

/** Writes documents with an outbox the way a service's own write does, and reads them back. */
export interface OutboxHarness {
  store: OutboxStore;
  /** Creates a document with these events and this stamp, as a service's write does. */
  insertStamped(key: string, events: DomainEvent[], stamp: OutboxStamp): Promise<void>;
  /** Creates a document as the code before watermarks did: events pending since `now`. */
  insert(key: string, events: DomainEvent[], now: number): Promise<void>;
  pending(key: string): Promise<string[]>;
}

export const testEvent = () => createEvent('stock.reserved', { orderId: uuidv7() }, 'test');
const longAgo = () => Date.now() - OUTBOX_GRACE_MS - 1_000;

/** The behaviour every OutboxStore adapter must have; run against the in-memory and the MongoDB one. */
export function outboxStoreContract(name: string, make: () => Promise<OutboxHarness>) {
  describe(`OutboxStore contract: ${name}`, () => {
    it('hands out what one writer stamped after a watermark, oldest first, and nothing of others', async () => {
      const h = await make();
      const t = Date.now() - 60_000;
      const [a, b, c, d] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      const events = [testEvent(), testEvent()];
      await h.insertStamped(c, [testEvent()], { writer: 'w1', at: t + 30 });
      await h.insertStamped(a, [testEvent()], { writer: 'w1', at: t + 10 }); // on the watermark: published
      await h.insertStamped(b, events, { writer: 'w1', at: t + 20 });
      await h.insertStamped(d, [testEvent()], { writer: 'w2', at: t + 40 });
      const after = [];
      for await (const entry of h.store.writtenAfter('w1', t + 10)) after.push(entry);
      expect(after.map((e) => [e.key, e.at])).toEqual([
        [b, t + 20],
        [c, t + 30],
      ]);
      expect(after[0]?.events).toEqual(events);
      const none = [];
      for await (const entry of h.store.writtenAfter('w3', 0)) none.push(entry);
      expect(none).toEqual([]);
    });

    it('reads one entry back with its stamp (a write of unknown outcome), nothing for a missing key', async () => {
      const h = await make();
      const key = uuidv7();
      const events = [testEvent()];
      const stamp = { writer: 'w1', at: Date.now() };
      await h.insertStamped(key, events, stamp);
      expect(await h.store.stamped(key)).toEqual({ key, events, stamp });
      expect(await h.store.stamped(uuidv7())).toBeUndefined();
    });

    it('neither claims nor counts stamped entries as due: their writer published them', async () => {
      const h = await make();
      await h.insertStamped(uuidv7(), [testEvent()], { writer: 'w1', at: longAgo() });
      expect(await h.store.claimDue(10, 30_000)).toEqual([]);
      expect(await h.store.pending()).toEqual({ events: 0, oldestAt: undefined });
    });

    it('before watermarks: leaves a fresh entry to the writer for the grace period, then hands it out', async () => {
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

    it('before watermarks: leases what it hands out, a second claim gets nothing until the lease runs out', async () => {
      const h = await make();
      const key = uuidv7();
      await h.insert(key, [testEvent()], longAgo());
      expect(await h.store.claimDue(10, 300)).toHaveLength(1);
      expect(await h.store.claimDue(10, 300)).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 400));
      expect((await h.store.claimDue(10, 300)).map((e) => e.key)).toEqual([key]);
    });

    it('before watermarks: markSent of some events keeps the rest due, of all of them clears the entry', async () => {
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

    it('before watermarks: pending() counts the events waiting and the oldest, leased or not, until sent', async () => {
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

    it('before watermarks: hands out at most `limit` entries, oldest first', async () => {
      const h = await make();
      const keys = [uuidv7(), uuidv7(), uuidv7()];
      for (const [i, key] of keys.entries()) await h.insert(key, [testEvent()], longAgo() - (3 - i) * 1000);
      expect((await h.store.claimDue(2, 30_000)).map((e) => e.key)).toEqual(keys.slice(0, 2));
      expect((await h.store.claimDue(2, 30_000)).map((e) => e.key)).toEqual(keys.slice(2));
    });
  });
}

/** The behaviour of the writers' records; run against the in-memory and the MongoDB one. */
export function outboxWritersContract(name: string, make: () => Promise<OutboxWriters>) {
  describe(`OutboxWriters contract: ${name}`, () => {
    it('a writer that beats is alive; one whose time ran out is dead, with its watermark', async () => {
      const w = await make();
      const [alive, gone] = [`alive-${uuidv7()}`, `gone-${uuidv7()}`];
      await w.beat(alive, 1_000, 60_000);
      await w.beat(gone, 2_000, 60_000);
      await w.beat(gone, 3_000, 0); // stopped with something unpublished: dead at once
      const dead = (await w.dead(Date.now() + 1)).filter((d) => d.writer === alive || d.writer === gone);
      expect(dead).toEqual([{ writer: gone, watermark: 3_000, aliveUntil: expect.any(Number), recoveries: 0 }]);
    });

    it('one relay at a time takes a dead writer; a beat in between makes the claim fail', async () => {
      const w = await make();
      const writer = `w-${uuidv7()}`;
      await w.beat(writer, 5_000, 0);
      const [seen] = (await w.dead(Date.now() + 1)).filter((d) => d.writer === writer);
      if (!seen) throw new Error('not dead');
      expect(await w.claim(seen, Date.now() + 60_000)).toBe(true);
      expect(await w.claim(seen, Date.now() + 60_000)).toBe(false); // taken: its record changed
      expect((await w.dead(Date.now() + 1)).some((d) => d.writer === writer)).toBe(false);
      await w.beat(writer, 6_000, 0);
      const [again] = (await w.dead(Date.now() + 1)).filter((d) => d.writer === writer);
      if (!again) throw new Error('not dead');
      await w.beat(writer, 7_000, 0); // it beat once more: what was seen is stale
      expect(await w.claim(again, Date.now() + 60_000)).toBe(false);
    });

    it('a recovery moves the watermark forward only, counts itself, and sets when to look again', async () => {
      const w = await make();
      const writer = `w-${uuidv7()}`;
      await w.beat(writer, 5_000, 0);
      await w.recovered(writer, 9_000, Date.now() - 1);
      await w.recovered(writer, 4_000, Date.now() - 1);
      expect((await w.dead(Date.now() + 1)).find((d) => d.writer === writer)).toMatchObject({
        watermark: 9_000,
        recoveries: 2,
      });
      await w.recovered(writer, 9_000, Date.now() + 60_000);
      expect((await w.dead(Date.now() + 1)).some((d) => d.writer === writer)).toBe(false);
      await w.beat(writer, 10_000, 0); // it was alive after all: a fresh record
      expect((await w.dead(Date.now() + 1)).find((d) => d.writer === writer)).toMatchObject({ recoveries: 0 });
      await w.remove(writer);
      expect((await w.dead(Date.now() + 1)).some((d) => d.writer === writer)).toBe(false);
    });
  });
}
