import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { backends, testDatabase } from '../../../test/helpers.ts';
import { MemoryBus } from '../src/bus-memory.ts';
import type { DomainEvent } from '../src/events.ts';
import { silentLogger } from '../src/log.ts';
import { OutboxRelay } from '../src/outbox.ts';
import {
  createOutboxIndex,
  mongoOutboxStore,
  type OutboxFields,
  SENT_BATCH_MAX,
  withOutbox,
} from '../src/outbox-mongo.ts';
import { outboxStoreContract } from './outbox.contract.ts';

type Doc = OutboxFields & { _id: string };
const db = testDatabase('outbox');

outboxStoreContract('MongoDB', async () => {
  const collection = db.collection<Doc>(`things_${Math.random().toString(36).slice(2)}`);
  await createOutboxIndex(collection);
  return {
    store: mongoOutboxStore('things', collection),
    insert: async (key: string, events: DomainEvent[], now: number) => {
      await collection.insertOne({ _id: key, ...withOutbox(events, now) });
    },
    pending: async (key: string) => ((await collection.findOne({ _id: key }))?.outbox ?? []).map((e) => e.id),
  };
});

describe('MongoDB outbox', () => {
  it('clears a fully sent outbox and its due time in one write', async () => {
    const collection = db.collection<Doc>('single_write');
    const store = mongoOutboxStore('x', collection);
    const { testEvent } = await import('./outbox.contract.ts');
    const events = [testEvent(), testEvent()];
    await collection.insertOne({ _id: 'k', ...withOutbox(events) });
    await store.markSent('k', events, true);
    const doc = await collection.findOne({ _id: 'k' });
    expect(doc?.outbox).toEqual([]);
    expect(doc && 'outboxDueAt' in doc).toBe(false);
  });
});

describe('MongoDB outbox, marking as sent', () => {
  it('clears outboxes marked within SENT_BATCH_MS in one bulk write, each as if alone', async () => {
    const client = new MongoClient(backends().mongoUrl, { monitorCommands: true });
    const updates: number[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'update') updates.push((e.command.updates as unknown[]).length);
    });
    try {
      const collection = client.db(db.databaseName).collection<Doc>('batched');
      const store = mongoOutboxStore('batched', collection);
      const { testEvent } = await import('./outbox.contract.ts');
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      const events = new Map(keys.map((k) => [k, [testEvent()]]));
      await collection.insertMany(keys.map((k) => ({ _id: k, ...withOutbox(events.get(k) ?? []) })));
      await Promise.all(keys.map((k) => store.markSent(k, events.get(k) ?? [], true)));
      expect(updates).toEqual([20]);
      for (const doc of await collection.find({}).toArray()) {
        expect(doc.outbox).toEqual([]);
        expect('outboxDueAt' in doc).toBe(false);
      }
      // later calls make a batch of their own; one for a document that is gone fails nobody
      await Promise.all([store.markSent('k1', [], true), store.markSent('gone', [], true)]);
      expect(updates).toEqual([20, 2]);
    } finally {
      await client.close();
    }
  });
});

describe('MongoDB outbox, relayed after a crash', () => {
  it('publishes what a dead process left without waiting on each mark, cleared in bulk writes of SENT_BATCH_MAX', async () => {
    const { testEvent } = await import('./outbox.contract.ts');
    const client = new MongoClient(backends().mongoUrl, { monitorCommands: true });
    const updates: number[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'update') updates.push((e.command.updates as unknown[]).length);
    });
    try {
      const collection = client.db(db.databaseName).collection<Doc>(`left_${Math.random().toString(36).slice(2)}`);
      // entries a crashed process wrote and never published, long past their grace
      const keys = Array.from({ length: 2 * SENT_BATCH_MAX + 5 }, (_, i) => `left${i}`);
      await collection.insertMany(keys.map((k) => ({ _id: k, ...withOutbox([testEvent()], Date.now() - 60_000) })));
      const bus = new MemoryBus();
      const published: string[] = [];
      await bus.consume('shopping', async (event) => {
        published.push(event.id);
      });
      const relay = new OutboxRelay({ bus, logger: silentLogger, pollMs: 60_000 });
      relay.register(mongoOutboxStore('left', collection));
      expect(await relay.drainOnce()).toBe(keys.length);
      // nobody waited on the marks: full batches go at once, the last five wait to be gathered
      expect(updates.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * SENT_BATCH_MAX);
      await relay.settle();
      expect(updates.sort((a, b) => a - b)).toEqual([5, SENT_BATCH_MAX, SENT_BATCH_MAX]); // in whatever order they went
      expect(published).toHaveLength(keys.length);
      expect(await collection.countDocuments({ outboxDueAt: { $exists: true } })).toBe(0);
    } finally {
      await client.close();
    }
  });
});
