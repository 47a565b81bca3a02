import { type Collection, MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { backends, eventually, testDatabase } from '../../../test/helpers.ts';
import { MemoryBus } from '../src/bus-memory.ts';
import type { DomainEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { silentLogger } from '../src/log.ts';
import { OutboxRelay } from '../src/outbox.ts';
import {
  createOutboxIndex,
  dueOutbox,
  MongoEventCollection,
  mongoOutboxStore,
  mongoOutboxWriters,
  type OutboxFields,
  stampedOutbox,
} from '../src/outbox-mongo.ts';
import { outboxStoreContract, outboxWritersContract, testEvent } from './outbox.contract.ts';

type Doc = OutboxFields & { _id: string };
const db = testDatabase('outbox');
const unique = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2)}`;

outboxStoreContract('MongoDB', async () => {
  const collection = db.collection<Doc>(unique('things'));
  await createOutboxIndex(collection);
  return {
    store: mongoOutboxStore('things', collection),
    insertStamped: async (key: string, events: DomainEvent[], stamp: { writer: string; at: number }) => {
      await collection.insertOne({ _id: key, ...stampedOutbox(events, stamp) });
    },
    insert: async (key: string, events: DomainEvent[], now: number) => {
      await collection.insertOne({ _id: key, ...dueOutbox(events, now) });
    },
    pending: async (key: string) => ((await collection.findOne({ _id: key }))?.outbox ?? []).map((e) => e.id),
  };
});

outboxWritersContract('MongoDB', async () => mongoOutboxWriters(db, unique('writers')));

/** A service process: its relay over `collection`, the writers' records in `writers`. */
async function processOver(client: MongoClient, name: string, writers: string, bus: MemoryBus) {
  const database = client.db(db.databaseName);
  const relay = new OutboxRelay({
    bus,
    logger: silentLogger,
    writers: mongoOutboxWriters(database, writers),
    name,
    pollMs: 20,
    scanMs: 3_600_000,
  });
  const events = new MongoEventCollection(database.collection<{ _id: string }>(name), (c) =>
    relay.sinkFor(mongoOutboxStore(name, c), ['stock.reserved']),
  );
  await relay.start();
  return { relay, events };
}

const consumer = async () => {
  const bus = new MemoryBus({ retryBaseMs: 5 });
  const received: string[] = [];
  await bus.consume('shopping', async (e) => {
    received.push(e.id);
  });
  return { bus, received };
};

describe('MongoDB outbox', () => {
  it('a write with events is one insert, stamped, and nothing is written to it after its publish', async () => {
    const client = new MongoClient(backends().mongoUrl, { monitorCommands: true });
    const name = unique('orders');
    const commands: string[] = [];
    client.on('commandStarted', (e) => {
      const on = e.command[e.commandName];
      if (on === name) commands.push(e.commandName);
    });
    try {
      const { bus, received } = await consumer();
      const { relay, events } = await processOver(client, name, unique('writers'), bus);
      const written = Array.from({ length: 20 }, () => ({ key: uuidv7(), events: [testEvent()] }));
      for (const w of written) expect(await events.insertWithEvents({ _id: w.key }, w.events)).toBe('inserted');
      await relay.settle();
      await bus.idle();
      expect(received).toEqual(written.flatMap((w) => w.events.map((e) => e.id)));
      expect(commands.filter((c) => c === 'insert')).toHaveLength(20);
      expect(commands.filter((c) => c === 'update' || c === 'delete')).toEqual([]); // no mark, no clearing
      const doc = await events.collection.findOne({ _id: written[0]?.key ?? '' });
      expect(doc).toMatchObject({ outbox: written[0]?.events, outboxWriter: relay.writer });
      expect(doc?.outboxAt).toBeInstanceOf(Date);
      // reads through the collection of events leave the events in the database
      expect(await events.findOne({ _id: written[0]?.key ?? '' })).toEqual({ _id: written[0]?.key });
      expect(await events.find({}).sort({ _id: 1 }).toArray()).toEqual(written.map((w) => ({ _id: w.key })));
      await relay.stop();
    } finally {
      await client.close();
    }
  });

  it('a process that stopped with events unpublished: another publishes them, only those, and forgets it', async () => {
    const client = new MongoClient(backends().mongoUrl);
    const [name, writersName] = [unique('orders'), unique('writers')];
    try {
      const { bus, received } = await consumer();
      const first = await processOver(client, name, writersName, bus);
      const sent = uuidv7();
      await first.events.insertWithEvents({ _id: sent }, [testEvent()]);
      await first.relay.settle();
      await new Promise((r) => setTimeout(r, 1_300)); // a beat: the watermark passes the sent one
      bus.setConnected(false);
      const left = [uuidv7(), uuidv7(), uuidv7()];
      const leftEvents = left.map(() => [testEvent(), testEvent()]);
      for (const [i, key] of left.entries()) await first.events.insertWithEvents({ _id: key }, leftEvents[i] ?? []);
      await first.relay.stop(); // its record is left dead at once
      bus.setConnected(true);
      const before = received.length;

      const second = await processOver(client, name, writersName, bus); // it looks for dead writers at once
      const writers = client.db(db.databaseName).collection<{ _id: string; recoveries?: number }>(writersName);
      await eventually(async () => (await writers.findOne({ _id: first.relay.writer }))?.recoveries === 1, 10_000);
      await bus.idle();
      expect(received.slice(before)).toEqual(leftEvents.flat().map((e) => e.id));
      await writers.updateOne({ _id: first.relay.writer }, { $set: { aliveUntil: new Date(0) } }); // RECHECK_MS later
      await second.relay.drainOnce();
      expect(await writers.findOne({ _id: first.relay.writer })).toBeNull();
      expect(received).toHaveLength(before + 6);
      await second.relay.stop();
      expect(await writers.countDocuments()).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('a duplicate key of another writer’s document: exists, nothing published, the watermark moves on', async () => {
    const client = new MongoClient(backends().mongoUrl);
    const name = unique('orders');
    try {
      const { bus, received } = await consumer();
      const { relay, events } = await processOver(client, name, unique('writers'), bus);
      const key = uuidv7();
      await events.collection.insertOne({ _id: key, ...stampedOutbox([testEvent()], { writer: 'other', at: 1 }) });
      expect(await events.insertWithEvents({ _id: key }, [testEvent()])).toBe('exists');
      expect((await relay.pending()).oldestAt).toBeDefined(); // held until read back
      await relay.drainOnce();
      await bus.idle();
      expect(received).toEqual([]);
      expect(await relay.pending()).toEqual({ events: 0, oldestAt: undefined });
      await relay.stop();
    } finally {
      await client.close();
    }
  });

  it('documents written before watermarks are still published once due, and cleared', async () => {
    const collection: Collection<Doc> = db.collection<Doc>(unique('left'));
    const keys = Array.from({ length: 25 }, (_, i) => `left${i}`);
    await collection.insertMany(keys.map((k) => ({ _id: k, ...dueOutbox([testEvent()], Date.now() - 60_000) })));
    const { bus, received } = await consumer();
    const relay = new OutboxRelay({
      bus,
      logger: silentLogger,
      writers: mongoOutboxWriters(db, unique('writers')),
      pollMs: 60_000,
    });
    relay.register(mongoOutboxStore('left', collection));
    expect(await relay.drainOnce()).toBe(keys.length);
    await relay.settle();
    await bus.idle();
    expect(received).toHaveLength(keys.length);
    expect(await collection.countDocuments({ outboxDueAt: { $exists: true } })).toBe(0);
    expect(await relay.pending()).toEqual({ events: 0, oldestAt: undefined });
  });
});
