import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus-memory.ts';
import type { DomainEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { silentLogger } from '../src/log.ts';
import { OUTBOX_GRACE_MS, OutboxRelay } from '../src/outbox.ts';
import {
  appendDueOutbox,
  MemoryEventTable,
  type MemoryOutboxRecord,
  memoryOutboxStore,
  memoryOutboxWriters,
} from '../src/outbox-memory.ts';
import { outboxStoreContract, outboxWritersContract, testEvent } from './outbox.contract.ts';

function memoryHarness() {
  const records = new Map<string, MemoryOutboxRecord & { value: unknown }>();
  return {
    records,
    store: memoryOutboxStore('things', records),
    insertStamped: async (key: string, events: DomainEvent[], stamp: { writer: string; at: number }) => {
      records.set(key, { value: {}, outbox: [...events], stamp });
    },
    insert: async (key: string, events: DomainEvent[], now: number) => {
      const record = { value: {}, outbox: [] };
      appendDueOutbox(record, events, now);
      records.set(key, record);
    },
    pending: async (key: string) => (records.get(key)?.outbox ?? []).map((e) => e.id),
  };
}

outboxStoreContract('in-memory', async () => memoryHarness());
outboxWritersContract('in-memory', async () => memoryOutboxWriters());

const until = async (done: () => boolean, ms = 3_000) => {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
};

describe('OutboxRelay', () => {
  /** A process: its relay over a table shared with other processes (the database), and its bus. */
  const process = async (
    shared: { h: ReturnType<typeof memoryHarness>; writers: ReturnType<typeof memoryOutboxWriters> },
    o: { pollMs?: number; scanMs?: number; bus?: MemoryBus } = {},
  ) => {
    const bus = o.bus ?? new MemoryBus({ retryBaseMs: 5 });
    const relay = new OutboxRelay({
      bus,
      logger: silentLogger,
      writers: shared.writers,
      name: 'things',
      pollMs: o.pollMs ?? 20,
      scanMs: o.scanMs ?? 3_600_000,
    });
    const sink = relay.sinkFor(shared.h.store, ['stock.reserved']);
    const table = new MemoryEventTable(shared.h.records, sink);
    await relay.start();
    return { bus, relay, table, sink };
  };
  const setup = async () => {
    const shared = { h: memoryHarness(), writers: memoryOutboxWriters() };
    const bus = new MemoryBus({ retryBaseMs: 5 });
    const received: string[] = [];
    await bus.consume('shopping', async (e) => {
      received.push(e.id);
    });
    return { shared, received, ...(await process(shared, { bus })) };
  };

  it('publishes a write’s events at once and writes nothing back to the record', async () => {
    const { shared, bus, relay, table, received } = await setup();
    const key = uuidv7();
    const events = [testEvent(), testEvent()];
    table.insertWithEvents(key, {}, events);
    await relay.settle();
    await bus.idle();
    expect(received).toEqual(events.map((e) => e.id));
    expect(await shared.h.pending(key)).toEqual(events.map((e) => e.id)); // the record keeps what it announced
    expect(shared.h.records.get(key)?.stamp?.writer).toBe(relay.writer);
    expect(await relay.pending()).toEqual({ events: 0, oldestAt: undefined });
    await relay.stop();
  });

  it('refuses to stamp a write before start() has recorded its writer', () => {
    const relay = new OutboxRelay({
      bus: new MemoryBus(),
      logger: silentLogger,
      writers: memoryOutboxWriters(),
      pollMs: 20,
    });
    expect(() => relay.begin()).toThrow(/start\(\)/);
  });

  it('keeps events while the broker is down and publishes them, in order, when it is back', async () => {
    const { bus, relay, table, received } = await setup();
    bus.setConnected(false);
    const key = uuidv7();
    const events = [testEvent(), testEvent(), testEvent()];
    table.insertWithEvents(key, {}, events);
    await relay.settle();
    expect(await relay.pending()).toMatchObject({ events: 3 });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
    const back = Date.now();
    bus.setConnected(true); // wakes the poller: not at its next poll
    await until(() => received.length === 3);
    expect(Date.now() - back).toBeLessThan(2_000);
    await relay.stop();
    expect(received).toEqual(events.map((e) => e.id));
    expect(await relay.pending()).toEqual({ events: 0, oldestAt: undefined });
  });

  it('stops at the first failed publish and keeps the rest for later, in order', async () => {
    const { bus, relay, table, received } = await setup();
    const events = [testEvent(), testEvent(), testEvent()];
    let calls = 0;
    const publish = bus.publish.bind(bus);
    bus.publish = async (e) => {
      if (++calls === 2) throw new Error('nope');
      return publish(e);
    };
    table.insertWithEvents(uuidv7(), {}, events);
    await relay.settle();
    expect(await relay.pending()).toMatchObject({ events: 2 });
    await until(() => received.length === 3);
    await relay.stop();
    expect(received).toEqual(events.map((e) => e.id));
  });

  it('records a watermark below its oldest unpublished write, and past it once published', async () => {
    const { shared, bus, relay, table } = await setup();
    bus.setConnected(false);
    const key = uuidv7();
    table.insertWithEvents(key, {}, [testEvent()]);
    const at = shared.h.records.get(key)?.stamp?.at ?? 0;
    await new Promise((r) => setTimeout(r, 1_300)); // a beat
    expect(shared.writers.states.get(relay.writer)?.watermark).toBe(at - 1);
    bus.setConnected(true);
    table.insertWithEvents(uuidv7(), {}, [testEvent()]); // a write: the next beat records
    await new Promise((r) => setTimeout(r, 1_300));
    expect(shared.writers.states.get(relay.writer)?.watermark).toBeGreaterThan(at);
    await relay.stop();
    expect(shared.writers.states.has(relay.writer)).toBe(false); // nothing left: forgotten
  });

  it('publishes what a dead writer left after its watermark, from another process, then forgets it', async () => {
    const { shared, bus, relay: first, table, received } = await setup();
    const sent = uuidv7();
    table.insertWithEvents(sent, {}, [testEvent()]);
    await first.settle();
    await new Promise((r) => setTimeout(r, 1_300)); // its watermark passes the first write
    bus.setConnected(false);
    const left = [uuidv7(), uuidv7()];
    const events = left.map(() => [testEvent(), testEvent()]);
    left.forEach((key, i) => void table.insertWithEvents(key, {}, events[i] ?? []));
    await first.stop(); // with events unpublished: its record is left dead at once
    expect(shared.writers.states.get(first.writer)?.aliveUntil).toBeLessThanOrEqual(Date.now());
    bus.setConnected(true);
    const published = received.length;

    const second = await process(shared, { bus, scanMs: 50 });
    await until(() => shared.writers.states.get(first.writer)?.recoveries === 1);
    expect(received.slice(published)).toEqual(events.flat().map((e) => e.id)); // not the one it had sent
    expect(shared.writers.states.get(first.writer)).toMatchObject({ recoveries: 1 });
    // looked at again later (RECHECK_MS): nothing new, so it is forgotten
    const state = shared.writers.states.get(first.writer);
    if (state) state.aliveUntil = Date.now() - 1;
    await second.relay.drainOnce();
    expect(shared.writers.states.has(first.writer)).toBe(false);
    expect(received).toHaveLength(published + 4);
    await second.relay.stop();
  });

  it('a dead writer is recovered by one relay at a time', async () => {
    const shared = { h: memoryHarness(), writers: memoryOutboxWriters() };
    const bus = new MemoryBus({ retryBaseMs: 5 });
    const received: string[] = [];
    await bus.consume('shopping', async (e) => {
      received.push(e.id);
    });
    await shared.writers.beat('things/crashed', 0, 0);
    await shared.h.insertStamped(uuidv7(), [testEvent()], { writer: 'things/crashed', at: Date.now() - 5_000 });
    await new Promise((r) => setTimeout(r, 5)); // its time runs out
    const watching = new OutboxRelay({
      bus,
      logger: silentLogger,
      writers: shared.writers,
      name: 'things',
      pollMs: 20,
    });
    watching.register(shared.h.store);
    expect(await watching.pending()).toMatchObject({ events: 1 }); // the metric shows it until recovered
    const [a, b] = [await process(shared, { bus }), await process(shared, { bus })];
    await Promise.all([a.relay.drainOnce(), b.relay.drainOnce()]);
    await bus.idle();
    expect(received).toHaveLength(1);
    expect(await watching.pending()).toEqual({ events: 0, oldestAt: undefined });
    await Promise.all([a.relay.stop(), b.relay.stop()]);
  });

  it('leaves the dead writers of another service sharing the database to that service', async () => {
    const { shared, relay, received } = await setup();
    await shared.writers.beat('other/crashed', 0, 0);
    await shared.h.insertStamped(uuidv7(), [testEvent()], { writer: 'other/crashed', at: Date.now() - 5_000 });
    await new Promise((r) => setTimeout(r, 5));
    await relay.drainOnce();
    expect(received).toEqual([]);
    expect(shared.writers.states.get('other/crashed')).toMatchObject({ recoveries: 0, watermark: 0 });
    await relay.stop();
  });

  it('searches a store for documents written before watermarks at start, and again only while it held some', async () => {
    const bus = new MemoryBus({ retryBaseMs: 5 });
    const received: string[] = [];
    await bus.consume('shopping', async (e) => {
      received.push(e.id);
    });
    const searches = { clean: 0, left: 0 };
    const counted = (h: ReturnType<typeof memoryHarness>, name: 'clean' | 'left') => ({
      ...h.store,
      claimDue: (limit: number, leaseMs: number) => {
        searches[name]++;
        return h.store.claimDue(limit, leaseMs);
      },
    });
    const [clean, left] = [memoryHarness(), memoryHarness()];
    // one not due yet: as if another replica had just leased it
    await left.insert(uuidv7(), [testEvent()], Date.now() - OUTBOX_GRACE_MS + 300);
    const relay = new OutboxRelay({
      bus,
      logger: silentLogger,
      writers: memoryOutboxWriters(),
      pollMs: 20,
      scanMs: 20,
    });
    relay.register(counted(clean, 'clean'));
    relay.register(counted(left, 'left'));
    await relay.start();
    await until(() => received.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(1);
    expect(searches.clean).toBe(1); // found nothing at start: never again
    expect(searches.left).toBeGreaterThan(3); // searched until what it held was published ...
    const after = searches.left;
    await new Promise((r) => setTimeout(r, 200));
    expect(searches.left).toBeLessThanOrEqual(after + 1); // ... and then no more
    await relay.stop();
  });

  it('a write of unknown outcome is read back: published if stored with its stamp, let go if not', async () => {
    const { shared, bus, relay, sink, received } = await setup();
    const [stored, missing] = [uuidv7(), uuidv7()];
    const events = [testEvent()];
    const storedStamp = sink.begin();
    await shared.h.insertStamped(stored, events, storedStamp);
    sink.failed(storedStamp, stored); // the insert went through, its answer was lost
    sink.failed(sink.begin(), missing); // nothing was written
    await relay.drainOnce();
    await bus.idle();
    expect(received).toEqual(events.map((e) => e.id));
    expect(await relay.pending()).toEqual({ events: 0, oldestAt: undefined }); // neither holds the watermark
    await relay.stop();
    expect(shared.writers.states.has(relay.writer)).toBe(false);
  });
});
