import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus-memory.ts';
import type { DomainEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { silentLogger } from '../src/log.ts';
import { OUTBOX_GRACE_MS, OutboxRelay } from '../src/outbox.ts';
import { appendOutbox, type MemoryOutboxRecord, memoryOutboxStore } from '../src/outbox-memory.ts';
import { outboxStoreContract, testEvent } from './outbox.contract.ts';

function memoryHarness() {
  const records = new Map<string, MemoryOutboxRecord>();
  return {
    records,
    store: memoryOutboxStore('things', records),
    insert: async (key: string, events: DomainEvent[], now: number) => {
      const record: MemoryOutboxRecord = { outbox: [] };
      appendOutbox(record, events, now);
      records.set(key, record);
    },
    pending: async (key: string) => (records.get(key)?.outbox ?? []).map((e) => e.id),
  };
}

outboxStoreContract('in-memory', async () => memoryHarness());

describe('OutboxRelay', () => {
  const setup = () => {
    const h = memoryHarness();
    const bus = new MemoryBus({ retryBaseMs: 5 });
    const received: string[] = [];
    bus.consume('shopping', async (e) => {
      received.push(e.id);
    });
    const relay = new OutboxRelay({ bus, logger: silentLogger, pollMs: 20 });
    relay.register(h.store);
    return { h, bus, relay, received };
  };

  it('flush publishes a write’s events at once and clears them', async () => {
    const { h, bus, relay, received } = setup();
    const key = uuidv7();
    const events = [testEvent(), testEvent()];
    await h.insert(key, events, Date.now());
    await relay.flush(h.store, { key, events });
    await bus.idle();
    expect(received).toEqual(events.map((e) => e.id));
    expect(await h.pending(key)).toEqual([]);
  });

  it('keeps events while the broker is down and publishes them, in order, when it is back', async () => {
    const { h, bus, relay, received } = setup();
    bus.setConnected(false);
    const key = uuidv7();
    const events = [testEvent(), testEvent(), testEvent()];
    await h.insert(key, events, Date.now() - OUTBOX_GRACE_MS - 1);
    await relay.flush(h.store, { key, events }); // fails quietly: nothing published
    expect(await h.pending(key)).toHaveLength(3);
    relay.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
    bus.setConnected(true);
    // the flush attempt leased nothing; the poller takes the stale entry on its next pass
    for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    await relay.stop();
    expect(received).toEqual(events.map((e) => e.id));
    expect(await h.pending(key)).toEqual([]);
  });

  it('publishes what waited for the broker as soon as it is back, not at the next poll', async () => {
    const h = memoryHarness();
    const bus = new MemoryBus({ retryBaseMs: 5 });
    const received: string[] = [];
    await bus.consume('shopping', async (e) => {
      received.push(e.id);
    });
    const relay = new OutboxRelay({ bus, logger: silentLogger, pollMs: 60_000, scanMs: 3_600_000 });
    relay.register(h.store);
    relay.start();
    await new Promise((r) => setTimeout(r, 50)); // the first pass is done; the next is a minute away
    bus.setConnected(false);
    const key = uuidv7();
    const events = [testEvent(), testEvent()];
    await h.insert(key, events, Date.now());
    await relay.flush(h.store, { key, events });
    expect(received).toEqual([]);
    const back = Date.now();
    bus.setConnected(true);
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await relay.stop();
    expect(received).toEqual(events.map((e) => e.id));
    expect(Date.now() - back).toBeLessThan(2_000);
  });

  it('stops at the first failed publish and keeps the rest for later', async () => {
    const { h, bus, relay } = setup();
    const key = uuidv7();
    const events = [testEvent(), testEvent(), testEvent()];
    await h.insert(key, events, Date.now());
    let calls = 0;
    const publish = bus.publish.bind(bus);
    bus.publish = async (e) => {
      if (++calls === 2) throw new Error('nope');
      return publish(e);
    };
    await relay.flush(h.store, { key, events });
    expect(await h.pending(key)).toEqual(events.slice(1).map((e) => e.id));
  });
});
